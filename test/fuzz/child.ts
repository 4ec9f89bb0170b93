// The fuzzing child process: runs one input at a time for the parent (harness.ts), which owns the
// time and memory limits and replaces this process whenever it dies or is killed.
import { tinyArPackFiles, tinyGanPackFiles, tinyPackFiles } from './seeds.ts';
import { runSurface, type Surface } from './surfaces.ts';

interface Request {
  id: number;
  surface: Surface;
  data: string;
}

const send = (m: unknown) => process.send!(m);

process.on('message', (m: Request) => {
  const input = new Uint8Array(Buffer.from(m.data, 'base64'));
  runSurface(m.surface, input, { packFiles: tinyPackFiles, ganPackFiles: tinyGanPackFiles, arPackFiles: tinyArPackFiles }).then(
    (v) => send({ id: m.id, ...v }),
    (e: Error) => send({ id: m.id, outcome: 'thrown', name: e?.name, message: String(e?.message ?? e), stack: e?.stack }),
  );
});
send({ ready: true });
