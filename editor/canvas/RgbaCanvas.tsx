// Draws RGBA pixels into a canvas, scaled with nearest-neighbour so small images stay crisp.
import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../runtime/index.ts';

export function RgbaCanvas({ image, maxWidth, maxHeight = maxWidth, className, testId }: { image: RgbaImage; maxWidth: number; maxHeight?: number; className?: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    const pixels = new Uint8ClampedArray(image.data.buffer as ArrayBuffer, image.data.byteOffset, image.data.byteLength);
    c.getContext('2d')?.putImageData(new ImageData(pixels.slice(), image.width, image.height), 0, 0);
  }, [image]);
  const scale = Math.min(4, maxWidth / image.width, maxHeight / image.height);
  return <canvas ref={ref} className={className} data-testid={testId} style={{ width: image.width * scale, height: image.height * scale }} />;
}
