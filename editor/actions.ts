// What the toolbar, the shortcuts, the palette and the menus do, in one place: each action
// reads the stores, asks a pure function for the change and hands the recipe to the doc store.
import { defaultParams, parseGraphText, type GraphDoc } from '../runtime/index.ts';
import { copyFragment, parseFragment, pasteFragment, type Fragment } from './document/clipboard.ts';
import { emptyDoc } from './document/doc-store.ts';
import { addGroup, addNode, connect, insertFragment, removeElements } from './document/edits.ts';
import { freeSpot } from './document/free-spot.ts';
import { groupsOf } from './document/groups.ts';
import { edgeId, freshId, takenIds } from './document/ids.ts';
import { checkConnection, type Wiring } from './document/connect-rules.ts';
import { download, fileStem } from './files/download.ts';
import { imageLoaderFor, readDroppedFiles } from './files/drop.ts';
import { packResolution } from './files/pack-manifest.ts';
import { pictureSizeFor } from './files/picture-size.ts';
import { packOf } from './exec/pack-of.ts';
import { setParam } from './document/edits.ts';
import { pngWithGraph } from './files/png-graph.ts';
import type { PendingWire } from './ui/ui-store.ts';
import { noSelection } from './ui/ui-store.ts';
import type { Workbench } from './workbench.ts';

type Point = { x: number; y: number };

/** Where pasted copies land relative to the originals. */
const PASTE_OFFSET = 40;

export function createActions(wb: Workbench) {
  const doc = () => wb.doc.getState().doc;
  const selection = () => wb.ui.getState().selection;
  let clipboard: Fragment | undefined;

  const select = (nodes: string[]) => wb.ui.setState({ selection: { ...noSelection, nodes } });

  /** Nodes' boxes as the canvas measured them (estimated before it has). */
  const boxes = () => doc().nodes.map((n) => ({ ...n.position, ...(wb.measured.get(n.id) ?? { width: 244, height: 120 }) }));

  const actions = {
    /** Add a node near `at` where it covers no other node (a click in the library, Tab). */
    addNodeNear(type: string, at: Point) {
      actions.addNode(type, freeSpot(boxes(), at, { width: 244, height: 140 }));
    },

    addNode(type: string, at: Point, wire?: PendingWire) {
      const info = wb.catalog.get(type);
      if (!info) return;
      const id = freshId(takenIds(doc()), type);
      wb.doc.getState().edit(`Add ${info.title}`, (d) => {
        addNode({ id, type, params: structuredClone(defaultParams(wb.registry.get(type)!)) as GraphDoc['nodes'][number]['params'], position: at })(d);
        if (!wire) return;
        const ports = wire.side === 'input' ? info.inputs : info.outputs;
        const port = Object.keys(ports).find((p) => ports[p].kind === wire.kind);
        if (!port) return;
        const w: Wiring = wire.side === 'input'
          ? { source: wire.nodeId, sourceHandle: wire.handle, target: id, targetHandle: port }
          : { source: id, sourceHandle: port, target: wire.nodeId, targetHandle: wire.handle };
        const check = checkConnection(d as GraphDoc, wb.catalog, w);
        if (check.ok) connect({ id: edgeId(w.source, w.sourceHandle, w.target, w.targetHandle), ...w }, check.replaces)(d);
      });
      select([id]);
    },

    connect(w: Wiring) {
      const check = checkConnection(doc(), wb.catalog, w);
      if (!check.ok) return wb.notify(`Wire refused: ${check.reason}`, 'error');
      wb.doc.getState().edit('Connect', connect({ id: edgeId(w.source, w.sourceHandle, w.target, w.targetHandle), ...w }, check.replaces));
      void actions.fitPicturesToModel(w.source, w.target);
    },

    /** Pictures wired into a node that works with a model load at the model's size: at any
     * other size the node could only fail. A source is a node without inputs that has width and
     * height params (an Image Loader); the size comes from the pack's manifest. */
    async fitPicturesToModel(sourceId: string, targetId: string) {
      const source = doc().nodes.find((n) => n.id === sourceId);
      const info = source && wb.catalog.get(source.type);
      if (!source || !info || Object.keys(info.inputs).length || !('width' in info.defaults) || !('height' in info.defaults)) return;
      const pack = packOf(doc(), wb.catalog, targetId);
      const size = pack && (await packResolution(pack));
      const params = { ...info.defaults, ...source.params };
      if (!size || (params.width === size.width && params.height === size.height)) return;
      wb.doc.getState().edit(`Fit ${info.title} to the model`, (d) => {
        setParam(sourceId, 'width', size.width)(d);
        setParam(sourceId, 'height', size.height)(d);
      });
      wb.notify(`${info.title} ${sourceId} now loads at ${size.width}×${size.height}, the size ${pack} works at`);
    },

    deleteSelection() {
      const s = selection();
      if (!s.nodes.length && !s.edges.length && !s.groups.length) return;
      wb.doc.getState().edit('Delete', removeElements(s));
      wb.ui.setState({ selection: noSelection });
    },

    selectAll() {
      wb.ui.setState({ selection: { nodes: doc().nodes.map((n) => n.id), edges: [], groups: groupsOf(doc()).map((g) => g.id) } });
    },

    copy() {
      const s = selection();
      if (!s.nodes.length) return false;
      const groups = groupsOf(doc()).filter((g) => s.groups.includes(g.id));
      clipboard = copyFragment(doc(), s.nodes, groups);
      // The system clipboard too, so a fragment can travel to another tab; it may be refused.
      void navigator.clipboard?.writeText(JSON.stringify(clipboard)).catch(() => {});
      return true;
    },

    paste(fragment = clipboard) {
      if (!fragment?.nodes.length) return;
      const pasted = pasteFragment(doc(), fragment, { x: PASTE_OFFSET, y: PASTE_OFFSET });
      wb.doc.getState().edit(`Paste ${pasted.nodes.length} node(s)`, insertFragment(pasted));
      wb.ui.setState({ selection: { nodes: pasted.nodes.map((n) => n.id), edges: [], groups: pasted.groups.map((g) => g.id) } });
      // The next paste lands further along rather than on top of this one.
      clipboard = { ...fragment, nodes: pasted.nodes, edges: pasted.edges, groups: pasted.groups };
    },

    async pasteFromSystem() {
      const text = await navigator.clipboard?.readText().catch(() => undefined);
      const fragment = text ? parseFragment(text) : undefined;
      actions.paste(fragment ?? clipboard);
    },

    duplicate() {
      const s = selection();
      if (!s.nodes.length) return;
      actions.paste(copyFragment(doc(), s.nodes, groupsOf(doc()).filter((g) => s.groups.includes(g.id))));
    },

    /** Frame the selected nodes in a titled group; sizes come from what the canvas measured. */
    groupSelection() {
      const sizes = (id: string) => wb.measured.get(id) ?? { width: 240, height: 120 };
      const nodes = doc().nodes.filter((n) => selection().nodes.includes(n.id));
      if (!nodes.length) return wb.notify('Select the nodes to group first');
      const pad = 30;
      const x = Math.min(...nodes.map((n) => n.position.x)) - pad;
      const y = Math.min(...nodes.map((n) => n.position.y)) - pad - 20;
      const right = Math.max(...nodes.map((n) => n.position.x + sizes(n.id).width)) + pad;
      const bottom = Math.max(...nodes.map((n) => n.position.y + sizes(n.id).height)) + pad;
      const id = freshId(takenIds(doc()), 'group');
      wb.doc.getState().edit('Group', addGroup({ id, title: 'Group', x, y, width: right - x, height: bottom - y }));
      wb.ui.setState({ selection: { ...noSelection, groups: [id] } });
    },

    undo() {
      const label = wb.doc.getState().undo();
      if (label) wb.notify(`Undid ${label}`);
    },
    redo() {
      const label = wb.doc.getState().redo();
      if (label) wb.notify(`Redid ${label}`);
    },

    newGraph() {
      wb.runs.reset();
      wb.doc.getState().replace('New graph', emptyDoc());
      wb.ui.setState((s) => ({ selection: noSelection, fitRequest: s.fitRequest + 1 }));
    },

    open(next: GraphDoc, label = 'Open') {
      wb.runs.reset();
      wb.doc.getState().replace(label, next);
      wb.ui.setState((s) => ({ selection: noSelection, dialog: undefined, fitRequest: s.fitRequest + 1 }));
    },

    saveJson() {
      const d = doc();
      download(`${fileStem(d.title)}.json`, JSON.stringify(d, null, 2), 'application/json');
    },

    /** Open graph files and images: a graph (JSON, or a PNG that carries one) replaces the
     * document; plain pictures become one Image Loader at `at`. */
    async openFiles(files: readonly File[], at: Point) {
      const read = await readDroppedFiles(files);
      for (const message of read.errors) wb.notify(message, 'error');
      if (read.graph) return actions.open(read.graph.doc, `Open ${read.graph.name}`);
      if (!read.images.length) return;
      const id = freshId(takenIds(doc()), 'image-loader');
      const size = await pictureSizeFor(doc(), wb.catalog);
      wb.doc.getState().edit('Add images', addNode(imageLoaderFor(id, read.images, at, size)));
      select([id]);
    },

    openJsonText(text: string, name: string) {
      const r = parseGraphText(text);
      if (r.ok) actions.open(r.doc, `Open ${name}`);
      else wb.notify(`${name}: ${r.errors[0].message}`, 'error');
    },

    /** A node's picture as a PNG that carries the graph. */
    exportPng(nodeId: string, image: { width: number; height: number; data: Uint8Array }) {
      const d = doc();
      download(`${fileStem(d.title)}-${nodeId}.png`, pngWithGraph(image, d), 'image/png');
    },
  };
  return actions;
}

export type Actions = ReturnType<typeof createActions>;
