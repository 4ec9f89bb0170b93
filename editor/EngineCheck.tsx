// Runs the engine probe in a module Web Worker and shows what it computed.
import { wrap } from 'comlink';
import { useEffect, useState } from 'react';
import type { EngineProbeApi } from '../workers/engine-probe.worker.ts';

type Result = Awaited<ReturnType<EngineProbeApi['check']>>;
type State = { status: 'running' } | { status: 'ok' | 'mismatch'; result: Result } | { status: 'error'; message: string };

/** Largest error accepted between float32 gradients and their closed form. */
const TOLERANCE = 1e-5;

function useEngineCheck(): State {
  const [state, setState] = useState<State>({ status: 'running' });
  useEffect(() => {
    const worker = new Worker(new URL('../workers/engine-probe.worker.ts', import.meta.url), { type: 'module' });
    const api = wrap<EngineProbeApi>(worker);
    let live = true;
    setState({ status: 'running' });
    api.check().then(
      (result) => live && setState({ status: result.maxError <= TOLERANCE ? 'ok' : 'mismatch', result }),
      (e: unknown) => live && setState({ status: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
      worker.terminate();
    };
  }, []);
  return state;
}

const fmt = (xs: number[]) => `[${xs.map((x) => +x.toFixed(6)).join(', ')}]`;

export function EngineCheck() {
  const state = useEngineCheck();
  const result = 'result' in state ? state.result : undefined;
  return (
    <section className="panel" data-testid="engine-check" data-status={state.status} data-result={result && JSON.stringify(result)}>
      <h2>Engine check</h2>
      <p>
        A worker builds <code>y = x·w + w</code>, differentiates <code>loss = sum(y)</code> into an ONNX gradient graph
        and runs it with onnxruntime-web.
      </p>
      {state.status === 'running' && <p>Running…</p>}
      {state.status === 'error' && <p className="bad">Failed: {state.message}</p>}
      {result && (
        <>
          <p className={state.status === 'ok' ? 'good' : 'bad'}>
            {state.status === 'ok' ? 'Gradients match their closed form.' : `Gradients are off by up to ${result.maxError}.`}
          </p>
          <table>
            <tbody>
              <tr><th></th><th>engine</th><th>closed form</th></tr>
              <tr><th>loss</th><td>{+result.loss.toFixed(6)}</td><td>{result.expected.loss}</td></tr>
              <tr><th>∂loss/∂x</th><td>{fmt(result.dx)}</td><td>{fmt(result.expected.dx)}</td></tr>
              <tr><th>∂loss/∂w</th><td>{fmt(result.dw)}</td><td>{fmt(result.expected.dw)}</td></tr>
            </tbody>
          </table>
          <p className="note">
            {result.backend}, {result.threads} wasm thread{result.threads === 1 ? '' : 's'}
            {result.crossOriginIsolated ? ' (cross-origin isolated)' : ' (not cross-origin isolated: one thread only)'},{' '}
            {result.ms.toFixed(0)} ms
          </p>
        </>
      )}
    </section>
  );
}
