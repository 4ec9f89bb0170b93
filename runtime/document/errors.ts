// A validation error names what is wrong and where: the node (or edge) and the field, so the
// editor can put it on the right handle or form row and the CLI can print it.

export type ValidationCode =
  | 'too-large'
  | 'not-json'
  | 'unknown-version'
  | 'bad-shape'
  | 'duplicate-id'
  | 'unknown-node-type'
  | 'unknown-node'
  | 'unknown-port'
  | 'port-type-mismatch'
  | 'input-taken'
  | 'cycle'
  | 'missing-input'
  | 'param-invalid';

export interface ValidationError {
  code: ValidationCode;
  nodeId?: string;
  edgeId?: string;
  /** Dotted path inside the node: `params.steps`, `inputs.images`, `outputs.latent`, `type`. */
  field?: string;
  message: string;
}

export function formatError(e: ValidationError): string {
  const where = [e.nodeId && `node ${e.nodeId}`, e.edgeId && `edge ${e.edgeId}`, e.field].filter(Boolean).join(' ');
  return where ? `${where}: ${e.message}` : e.message;
}
