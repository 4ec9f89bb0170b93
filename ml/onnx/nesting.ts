// How deeply an ONNX file nests its messages, found by walking the protobuf wire format with an
// explicit stack. protobufjs decodes nested messages by recursion, so a file with graphs inside
// attributes inside graphs ten thousand levels deep overflows the stack; this walk runs first and
// refuses such a file before the decoder sees it.
import { LIMITS, LimitError } from '../untrusted/limits.ts';

type Msg = 'model' | 'graph' | 'node' | 'attr' | 'valueInfo' | 'type' | 'typeTensor' | 'typeSeq' | 'typeMap' | 'function' | 'training';

/** Fields whose value is a message (the onnx.proto numbers); every other field is skipped. */
const CHILDREN: Record<Msg, Record<number, Msg>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo' },
  node: { 5: 'attr' },
  attr: { 6: 'graph', 11: 'graph', 14: 'type', 15: 'type' },
  valueInfo: { 2: 'type' },
  type: { 1: 'typeTensor', 4: 'typeSeq', 5: 'typeMap', 8: 'typeTensor', 9: 'typeSeq' },
  typeTensor: {},
  typeSeq: { 1: 'type' },
  typeMap: { 2: 'type' },
  function: { 7: 'node', 11: 'attr', 12: 'valueInfo' },
  training: { 1: 'graph', 2: 'graph' },
};

/** Throws a LimitError when messages nest deeper than LIMITS.onnxDepth; malformed bytes are left to the decoder. */
export function checkOnnxNesting(bytes: Uint8Array): void {
  const stack: { type: Msg; end: number }[] = [{ type: 'model', end: bytes.length }];
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= bytes.length) return -1;
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (pos >= top.end) {
      stack.pop();
      continue;
    }
    const key = varint();
    if (key < 0) return;
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        if (varint() < 0) return;
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = varint();
        if (len < 0 || pos + len > top.end) return;
        const child = CHILDREN[top.type][field];
        if (child) {
          if (stack.length >= LIMITS.onnxDepth) throw new LimitError('onnxDepth', `not a usable ONNX model: its messages nest more than ${LIMITS.onnxDepth} levels deep`);
          stack.push({ type: child, end: pos + len });
        } else pos += len;
        break;
      }
      default:
        return; // groups (3, 4) and invalid wire types: the decoder says what is wrong
    }
  }
}
