// Credits for the data and libraries the app ships or is built to ship.
export function About() {
  return (
    <section className="panel" data-testid="about">
      <h2>About</h2>
      <p>
        The built-in models are meant to be small ones trained by this project, on CPU, with its own engine, on emoji
        images that npm packages ship:
      </p>
      <ul>
        <li>
          <a href="https://github.com/twitter/twemoji">Twemoji</a> by Twitter/X, licensed CC-BY 4.0, through the npm
          package <code>emoji-datasource-twitter</code>.
        </li>
        <li>
          <a href="https://github.com/googlefonts/noto-emoji">Noto Emoji</a> by Google, licensed Apache-2.0, through the
          npm package <code>emoji-datasource-google</code>.
        </li>
      </ul>
      <p>
        Models run with <a href="https://onnxruntime.ai">onnxruntime-web</a> (MIT) in the browser and onnxruntime-node
        (MIT) in Node.
      </p>
    </section>
  );
}
