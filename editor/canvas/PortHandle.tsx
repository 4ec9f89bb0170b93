// A port's handle: colour and shape say what kind of value travels on it; a list port (takes
// many wires) is drawn as a pill.
import { Handle, Position } from '@xyflow/react';
import type { PortInfo } from '../../runtime/index.ts';
import { PORT_STYLE } from '../catalog/theme.ts';

export function PortHandle({ name, port, side, missing }: { name: string; port: PortInfo; side: 'input' | 'output'; missing?: boolean }) {
  const style = PORT_STYLE[port.kind];
  return (
    <div className={`port-row ${side}${missing ? ' missing' : ''}`} title={`${name}: ${port.kind}${port.list ? ' (takes many wires)' : ''}${port.optional ? ' (optional)' : ''}`}>
      <Handle
        type={side === 'input' ? 'target' : 'source'}
        position={side === 'input' ? Position.Left : Position.Right}
        id={name}
        className={`port port-${style.shape}${port.list ? ' port-list' : ''}`}
        style={{ '--port': style.colour } as React.CSSProperties}
        data-kind={port.kind}
      />
      <span className="port-name">{name}</span>
      {/* The kind is worth repeating only when the name does not already say it. */}
      {(port.kind !== name || port.list || port.optional) && (
        <span className="port-kind" style={{ color: style.colour }}>
          {port.kind}
          {port.list ? '[]' : ''}
          {port.optional ? '?' : ''}
        </span>
      )}
    </div>
  );
}
