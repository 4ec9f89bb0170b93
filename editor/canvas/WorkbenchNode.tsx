// One node on the canvas: header tinted by category, typed ports, its state in the current run
// (badge, progress with ETA, error), its result, and its place in the framework when the
// overlay is on. It subscribes to its own slice of each store, so a progress tick re-renders
// this node alone.
import type { NodeProps } from '@xyflow/react';
import { memo, useCallback, useContext } from 'react';
import { categoryColour } from '../catalog/theme.ts';
import { placementOf, wiredInputs } from '../framework/read-method.ts';
import { useDoc, useExec, useUi, useWorkbench } from '../workbench.ts';
import type { WorkbenchFlowNode } from './flow-mapping.ts';
import { packOf } from '../exec/pack-of.ts';
import { isStale, contentKeys } from '../exec/stale.ts';
import { LiteNode } from './LiteNode.tsx';
import { LiteNodes } from './lite-detail.ts';
import { NodeResult } from './NodeResult.tsx';
import { PortHandle } from './PortHandle.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { parseProblemKey, problemKey } from './validation.ts';

const STATUS_LABEL = { queued: 'queued', running: 'running', cached: 'cached', done: 'done', error: 'error', stopped: 'stopped', stale: 'stale' } as const;
const STALE_TITLE = 'Changed since this result was made: run again to bring it up to date';

/** React Flow also passes position, size and drag state, which this component does not draw;
 * comparing only what it draws spares 300 re-renders when the canvas measures the nodes. */
const sameNode = (a: NodeProps<WorkbenchFlowNode>, b: NodeProps<WorkbenchFlowNode>) => a.id === b.id && a.data === b.data && a.selected === b.selected;

export const WorkbenchNode = memo(function WorkbenchNode({ id, data, selected }: NodeProps<WorkbenchFlowNode>) {
  const wb = useWorkbench();
  const node = data.node;
  const info = wb.catalog.infoFor(node);
  const exec = useExec((s) => s.nodes[id]);
  const results = useExec((s) => s.results[id]);
  const resultKey = useExec((s) => s.resultKeys[id]);
  const runKey = useExec((s) => s.runKeys[id]);
  // Keys are computed only for a node that shows something made under one.
  const currentKey = useDoc((s) => (resultKey || runKey ? contentKeys(s.doc, wb.registry).get(id) : undefined));
  const staleResult = isStale(resultKey, currentKey);
  const overlay = useUi((s) => s.overlay);
  const problems = parseProblemKey(useDoc((s) => problemKey(s.doc, wb.registry, id)));
  const onExport = useCallback((image: Parameters<typeof wb.actions.exportPng>[1]) => wb.actions.exportPng(id, image), [wb, id]);
  const onOpen = useCallback((port: string) => wb.ui.setState({ viewer: { nodeId: id, port } }), [wb, id]);
  const pack = useDoc((s) => (results?.some((r) => r.kind === 'metrics') ? packOf(s.doc, wb.catalog, id) : undefined));
  const lite = useContext(LiteNodes);

  if (!info)
    return (
      <div className="wb-node unknown" data-testid={`node-${id}`}>
        <header>Unknown node type “{node.type}”</header>
        <p className="node-error">This build has no such node; the graph cannot run until it is removed.</p>
      </div>
    );

  const ran = exec?.status;
  // A finished status of an edited node no longer says anything true: it is stale.
  const status = ran && ran !== 'running' && ran !== 'queued' && isStale(runKey, currentKey) ? 'stale' : ran;
  // A block only when the full node would be just its header and ports, so both have one size.
  if (lite && !overlay && !problems.length && !results?.length && status !== 'running' && status !== 'error')
    return <LiteNode id={id} type={node.type} info={info} selected={!!selected} status={status} />;

  const missing = new Set(problems.filter((p) => p.field.startsWith('inputs.')).map((p) => p.field.slice(7)));
  const inputs = Object.entries(info.inputs);
  const outputs = Object.entries(info.outputs);
  const place = overlay ? placementOf(node, info, wiredInputs(wb.doc.getState().doc, id)) : undefined;

  return (
    <div
      className={`wb-node${selected ? ' selected' : ''}${status ? ` status-${status}` : ''}`}
      style={{ '--cat': categoryColour(info.category) } as React.CSSProperties}
      data-testid={`node-${id}`}
      data-type={node.type}
      data-status={status ?? 'idle'}
    >
      <header>
        <span className="node-title">{info.title}</span>
        <span className="node-id">{id}</span>
        {status && (
          <span className={`badge badge-${status}`} title={status === 'stale' ? STALE_TITLE : undefined}>
            {STATUS_LABEL[status]}
          </span>
        )}
        <button className="run-to nodrag" title="Run up to this node" data-testid="run-to" onClick={() => wb.runs.run(id)}>
          ▶
        </button>
      </header>
      {overlay && (
        <div className="framework-tags" data-testid="framework-tags">
          {place?.space && <span className="tag tag-space">space: {place.space}</span>}
          {place?.method && <span className="tag tag-method">method: {place.method}</span>}
          {place?.scheme && <span className="tag tag-scheme">scheme: {place.scheme}</span>}
          {!place && <span className="tag tag-none">{info.category}: no framework choice</span>}
        </div>
      )}
      <div className="ports">
        <div className="ports-in">
          {inputs.map(([name, p]) => (
            <PortHandle key={name} name={name} port={p} side="input" missing={missing.has(name)} />
          ))}
        </div>
        <div className="ports-out">
          {outputs.map(([name, p]) => (
            <PortHandle key={name} name={name} port={p} side="output" />
          ))}
        </div>
      </div>
      {status === 'running' && <ProgressBar progress={exec?.progress} etaMs={exec?.etaMs} />}
      {status === 'error' && <p className="node-error" data-testid="node-error">{exec?.error}</p>}
      {status === 'stopped' && <p className="node-stopped" data-testid="node-stopped">Stopped before it finished{results?.length ? '; the result below is from an earlier run' : ''}.</p>}
      {problems.length > 0 && (
        <ul className="node-problems" data-testid="node-problems">
          {problems.map((p) => (
            <li key={p.field + p.message}>{p.message}</li>
          ))}
        </ul>
      )}
      <NodeResult results={results} stale={staleResult} live={status === 'running' ? exec?.live : undefined} pack={pack} onExport={onExport} onOpen={onOpen} />
    </div>
  );
}, sameNode);
