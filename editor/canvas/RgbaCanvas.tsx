// Draws RGBA pixels into a canvas, scaled with nearest-neighbour so small images stay crisp.
import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../runtime/index.ts';

export function RgbaCanvas({
  image,
  maxWidth,
  maxHeight = maxWidth,
  className,
  testId,
  integer = false,
  maxScale = 4,
  onClick,
  title,
}: {
  image: RgbaImage;
  maxWidth: number;
  maxHeight?: number;
  className?: string;
  testId?: string;
  /** Scale by a whole number only, so each pixel becomes an exact square (64×64 images). */
  integer?: boolean;
  maxScale?: number;
  onClick?(): void;
  title?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    const pixels = new Uint8ClampedArray(image.data.buffer as ArrayBuffer, image.data.byteOffset, image.data.byteLength);
    c.getContext('2d')?.putImageData(new ImageData(pixels.slice(), image.width, image.height), 0, 0);
  }, [image]);
  const fit = Math.min(maxScale, maxWidth / image.width, maxHeight / image.height);
  const scale = integer && fit >= 1 ? Math.floor(fit) : fit;
  return (
    <canvas
      ref={ref}
      className={`${className ?? ''}${onClick ? ' clickable' : ''}`}
      data-testid={testId}
      data-scale={scale}
      title={title}
      onClick={onClick}
      style={{ width: image.width * scale, height: image.height * scale }}
    />
  );
}
