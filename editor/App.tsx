// The app shell: what this is, whether the engine works in this browser, and credits.
// The node editor itself comes later; this page only talks to a worker.
import { About } from './About.tsx';
import { EngineCheck } from './EngineCheck.tsx';

export function App() {
  return (
    <main className="shell">
      <header>
        <h1>Personalize Workbench</h1>
        <p>
          A node-based workbench for personalized image generation. Wire a few images of a concept into a graph that
          inverts them into a generative model, optimizes, fine-tunes with LoRA, samples and decodes. Everything,
          training included, runs on your own machine, in this browser.
        </p>
        <p className="note">The node editor is not built yet; this page checks that the engine runs here.</p>
      </header>
      <EngineCheck />
      <About />
    </main>
  );
}
