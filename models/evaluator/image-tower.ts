// The evaluator's image tower: a small residual CNN (GroupNorm + SiLU, as in the VAE and UNet),
// global average pooling, and a linear projection into the shared embedding space. A CNN rather
// than a ViT because convolutions are the fastest thing onnxruntime runs on one CPU thread, and
// emoji are recognised by local shape and colour more than by long-range layout.
import { Conv2d, GroupNorm, Linear, Module, Params, ResBlock, silu, type Value } from '../../ml/index.ts';
import type { ClipConfig } from './config.ts';

type Parent = Params | Module;


export interface ImageOutputs {
  /** Pooled features before the projection [B, lastChannels]: what the Fréchet distance compares. */
  features: Value;
  /** Projected embedding [B, embedDim], not yet normalized. */
  embedding: Value;
}

export class ImageTower extends Module {
  stem: Conv2d;
  stages: Module[] = [];
  norm: GroupNorm;
  proj: Linear;

  constructor(
    parent: Parent,
    name: string,
    readonly config: ClipConfig,
  ) {
    super(parent, name);
    const { channels, blocks, groups } = config;
    this.stem = new Conv2d(this, 'stem', 3, channels[0], 3, { stride: 2, padding: 1 });
    // One flat list in order: image.res1_0.conv1.weight, image.down2.weight, …
    channels.forEach((ch, i) => {
      if (i > 0) this.stages.push(new Conv2d(this, `down${i}`, channels[i - 1], ch, 3, { stride: 2, padding: 1 }));
      for (let k = 0; k < blocks[i]; k++) this.stages.push(new ResBlock(this, `res${i}_${k}`, ch, ch, groups));
    });
    const last = channels[channels.length - 1];
    this.norm = new GroupNorm(this, 'norm', groups, last);
    this.proj = new Linear(this, 'proj', last, config.embedDim, { bias: false });
  }

  forward(x: Value): ImageOutputs {
    const { imageSize } = this.config;
    if (x.rank !== 4 || x.shape[1] !== 3 || x.shape[2] !== imageSize || x.shape[3] !== imageSize)
      throw new Error(`ImageTower "${this.path}": expects [B, 3, ${imageSize}, ${imageSize}], got [${x.shape}]`);
    return this.scoped(() => {
      let h = this.stem.forward(x);
      for (const m of this.stages) h = (m as Conv2d | ResBlock).forward(h);
      h = silu(this.norm.forward(h));
      const features = this.b.op1('ReduceMean', [h], { axes: [2, 3], keepdims: 0 });
      return { features, embedding: this.proj.forward(features) };
    });
  }
}
