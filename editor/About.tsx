// Credits for the data, models and libraries the app ships.
import { ModelCredits } from './ui/ModelCredits.tsx';

export function About() {
  return (
    <section className="about" data-testid="about">
      <h2>About Personalize Workbench</h2>
      <p>
        A node-based workbench for personalized image generation. Wire a few images of a concept into a graph that inverts them into a generative
        model, optimizes, fine-tunes with LoRA, samples and decodes. Everything, training included, runs on your own machine, in this browser.
      </p>
      <h3>Data</h3>
      <ul>
        <li>
          <a href="https://github.com/twitter/twemoji">Twemoji</a> by Twitter/X, licensed{' '}
          <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</a>, through the npm package <code>emoji-datasource-twitter</code>: the
          sample images in the examples, and training data for the built-in models.
        </li>
        <li>
          <a href="https://github.com/googlefonts/noto-emoji">Noto Emoji</a> by Google, licensed Apache-2.0, through the npm package{' '}
          <code>emoji-datasource-google</code>: training and evaluation data for the built-in models.
        </li>
        <li>
          Further styles of the same emoji, training and evaluation data for the built-in models (rasterized to 64×64 on white):{' '}
          <a href="https://github.com/microsoft/fluentui-emoji">Fluent Emoji</a> (colour and flat) by Microsoft, licensed MIT, through{' '}
          <code>@iconify-json/fluent-emoji</code> and <code>@iconify-json/fluent-emoji-flat</code>;{' '}
          <a href="https://github.com/mozilla/fxemoji">Firefox OS Emoji</a> by the Mozilla Foundation, licensed{' '}
          <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</a>, through <code>@iconify-json/fxemoji</code>;{' '}
          <a href="https://github.com/googlefonts/noto-emoji">Noto Emoji</a> version 1 by Google, licensed Apache-2.0, through{' '}
          <code>@iconify-json/noto-v1</code>.
        </li>
      </ul>
      <h3>Models</h3>
      <p>
        The built-in models are small ones trained by this project, on CPU, with its own engine, on the emoji images above. Each pack names its own
        licence and attribution:
      </p>
      <ModelCredits />
      <h3>Software</h3>
      <p>
        Models run with <a href="https://onnxruntime.ai">ONNX Runtime</a> (onnxruntime-web in the browser, onnxruntime-node in Node; MIT). The
        canvas is <a href="https://reactflow.dev">React Flow</a> (MIT).
      </p>
    </section>
  );
}
