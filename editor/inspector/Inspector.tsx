// The right-hand panel for what is selected: a node's generated form with the runtime's
// validation messages beside each field, a group's title, or the graph's own title and notes.
import { useMemo } from 'react';
import { setParam, setTitle, updateGroup } from '../document/edits.ts';
import { groupsOf } from '../document/groups.ts';
import { problemsByNode } from '../canvas/validation.ts';
import { categoryColour, PORT_STYLE } from '../catalog/theme.ts';
import { placementOf, wiredInputs } from '../framework/read-method.ts';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';
import { NodeResult } from '../canvas/NodeResult.tsx';
import { contentKeys, isStale } from '../exec/stale.ts';
import { packOf } from '../exec/pack-of.ts';
import { ONNX_MODEL } from '../document/record-ports.ts';
import { applies, fieldsOf, withNames } from './param-fields.ts';
import { ParamField } from './ParamField.tsx';
import { TokenMaskField } from './TokenMaskField.tsx';

export function Inspector() {
  const selection = useUi((s) => s.selection);
  if (selection.nodes.length === 1) return <NodeInspector id={selection.nodes[0]} />;
  if (selection.nodes.length > 1) return <p className="muted pad">{selection.nodes.length} nodes selected. Ctrl+G frames them in a group; Ctrl+D duplicates them.</p>;
  if (selection.groups.length === 1) return <GroupInspector id={selection.groups[0]} />;
  return <GraphInspector />;
}

function NodeInspector({ id }: { id: string }) {
  const wb = useWorkbench();
  const doc = useDoc((s) => s.doc);
  const node = doc.nodes.find((n) => n.id === id);
  const info = node && wb.catalog.get(node.type);
  // Ports as this node has them (an ONNX Model's come from its file).
  const ports = node && wb.catalog.infoFor(node);
  const form = useMemo(() => (info ? fieldsOf(info.params) : { fields: [] }), [info]);
  const results = useExec((s) => s.results[id]);
  const resultKey = useExec((s) => s.resultKeys[id]);
  const exec = useExec((s) => s.nodes[id]);
  if (!node || !info) return <p className="muted pad">Nothing to inspect.</p>;
  const problems = problemsByNode(doc, wb.registry).get(id) ?? [];
  const problemFor = (field: string) => problems.find((p) => p.field === `params.${field}` || p.field?.startsWith(`params.${field}.`))?.message;
  const other = problems.filter((p) => !p.field?.startsWith('params.'));
  const place = placementOf(node, info, wiredInputs(doc, id));
  // Fields that mean nothing with the current settings (η without DDIM) are hidden, not disabled.
  const params = { ...info.defaults, ...node.params };
  const wired = new Set(doc.edges.filter((e) => e.target === id).map((e) => e.targetHandle));
  const shown = form.fields.filter((f) => applies(f.appliesWhen, params, wired)).map((f) => withNames(f, params));
  // A model file's ports are read from the file (in a worker) when it is chosen, or on request.
  const readsPorts = node.type === ONNX_MODEL;
  return (
    <div className="inspector" data-testid="inspector">
      <header className="inspector-head" style={{ '--cat': categoryColour(info.category) } as React.CSSProperties}>
        <h2>{info.title}</h2>
        <code>{id}</code>
        <span className="chip">{info.category}</span>
      </header>
      {info.description && <p className="description">{info.description}</p>}
      {place && (
        <p className="framework-line">
          {place.space && <span className="tag tag-space">space: {place.space}</span>}
          {place.method && <span className="tag tag-method">method: {place.method}</span>}
          {place.scheme && <span className="tag tag-scheme">scheme: {place.scheme}</span>}
        </p>
      )}
      <div className="inspector-actions">
        <button onClick={() => wb.runs.run(id)} data-testid="inspector-run-to">
          ▶ Run up to here
        </button>
        {readsPorts && (
          <button onClick={() => void wb.ports.read(id)} disabled={!node.params.source} title="Read the model file's inputs and outputs and show one port for each" data-testid="read-ports">
            Read the file's ports
          </button>
        )}
      </div>
      <form className="fields" onSubmit={(e) => e.preventDefault()}>
        {shown.map((f) => {
          const onChange = (v: unknown, key: string) => {
            wb.doc.getState().edit(`${info.title} · ${f.label}`, setParam(id, f.name, v), `${id}:${key}`);
            if (readsPorts && f.name === 'source') wb.ports.readSoon(id);
          };
          if (f.control === 'token-mask')
            return <TokenMaskField key={`${id}:${f.name}`} nodeId={id} field={f} value={node.params[f.name]} problem={problemFor(f.name)} onChange={onChange} />;
          return <ParamField key={`${id}:${f.name}`} field={f} value={node.params[f.name]} problem={problemFor(f.name)} onChange={onChange} />;
        })}
        {!form.fields.length && <p className="muted">No parameters.</p>}
      </form>
      <h3>Outputs</h3>
      <div className="inspector-outputs" data-testid="inspector-outputs">
        {results?.length ? (
          <NodeResult
            results={results}
            stale={isStale(resultKey, contentKeys(doc, wb.registry).get(id))}
            width={272}
            pack={packOf(doc, wb.catalog, id)}
            onExport={(image) => wb.actions.exportPng(id, image)}
            onOpen={(port) => wb.ui.setState({ viewer: { nodeId: id, port } })}
          />
        ) : (
          <p className="muted">{exec?.status === 'running' ? 'Running…' : 'No result yet: run the graph, or ▶ up to here.'}</p>
        )}
        {exec?.status === 'error' && <p className="node-error">{exec.error}</p>}
      </div>
      <h3>Ports</h3>
      <ul className="port-list">
        {Object.entries((ports ?? info).inputs).map(([name, p]) => (
          <li key={`in-${name}`}>
            in <b>{name}</b> <span style={{ color: PORT_STYLE[p.kind].colour }}>{p.kind}{p.list ? '[]' : ''}</span>
            {p.optional ? ' optional' : ''}
          </li>
        ))}
        {Object.entries((ports ?? info).outputs).map(([name, p]) => (
          <li key={`out-${name}`}>
            out <b>{name}</b> <span style={{ color: PORT_STYLE[p.kind].colour }}>{p.kind}</span>
          </li>
        ))}
      </ul>
      {other.length > 0 && (
        <ul className="problems" data-testid="inspector-problems">
          {other.map((p) => (
            <li key={p.message}>{p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function GroupInspector({ id }: { id: string }) {
  const wb = useWorkbench();
  // groupsOf parses afresh on every call, so it runs on the selected document, not in the
  // selector (a selector must return the same value for the same state).
  const doc = useDoc((s) => s.doc);
  const group = useMemo(() => groupsOf(doc).find((g) => g.id === id), [doc, id]);
  if (!group) return null;
  return (
    <div className="inspector" data-testid="inspector">
      <h2>Group</h2>
      <label className="field">
        <span className="field-label">Title</span>
        <input type="text" value={group.title} onChange={(e) => wb.doc.getState().edit('Rename group', updateGroup(id, { title: e.target.value }), `title:${id}`)} data-testid="group-title" />
      </label>
      <p className="muted">Drag the frame to move everything in it; drag its corners to resize.</p>
    </div>
  );
}

function GraphInspector() {
  const wb = useWorkbench();
  const doc = useDoc((s) => s.doc);
  const description = (doc as { description?: unknown }).description;
  return (
    <div className="inspector" data-testid="inspector">
      <h2>Graph</h2>
      <label className="field">
        <span className="field-label">Title</span>
        <input type="text" value={doc.title ?? ''} onChange={(e) => wb.doc.getState().edit('Rename graph', setTitle(e.target.value), 'graph-title')} />
      </label>
      {typeof description === 'string' && <p className="description">{description}</p>}
      <p className="muted">
        {doc.nodes.length} nodes, {doc.edges.length} wires. Select a node to edit its parameters; double-click the canvas or press Tab to add one.
      </p>
    </div>
  );
}
