import { describe, expect, it } from 'vitest';
import { parseDims, parseGradArgs, UsageError, type GradArgs } from './grad-args.ts';

const args = (argv: string[]): GradArgs => {
  const r = parseGradArgs(argv);
  if (r.help) throw new Error('unexpected help');
  return r.args;
};
const usage = (argv: string[]) => expect(() => parseGradArgs(argv)).toThrow(UsageError);

describe('parseGradArgs', () => {
  it('reads the model, loss, wrt list, output and dims', () => {
    expect(args(['m.onnx', '--loss', 'y', '--wrt', 'x,w', '-o', 'g.onnx', '--dim', 'batch=2', '--dim', 'seq=7'])).toEqual({
      model: 'm.onnx',
      loss: 'y',
      wrt: ['x', 'w'],
      out: 'g.onnx',
      dims: { batch: 2, seq: 7 },
      stripDefaults: false,
    });
    expect(args(['m.onnx', '--loss', 'y', '--wrt', 'x', '-o', 'g.onnx', '--strip-defaults']).stripDefaults).toBe(true);
  });

  it('accepts repeated --wrt, --out, --opt=value and options before the model', () => {
    expect(args(['--wrt=a', '--loss=y', '--wrt', 'b , c', '--out', 'g.onnx', 'm.onnx'])).toMatchObject({
      model: 'm.onnx',
      wrt: ['a', 'b', 'c'],
      out: 'g.onnx',
      dims: {},
    });
  });

  it('keeps names with punctuation that exporters produce', () => {
    expect(args(['m.onnx', '--loss', 'y', '--wrt', 'onnx::MatMul_99,conv.weight', '-o', 'g.onnx']).wrt).toEqual([
      'onnx::MatMul_99',
      'conv.weight',
    ]);
  });

  it('returns help for -h and --help, even with other arguments', () => {
    expect(parseGradArgs(['-h'])).toEqual({ help: true });
    expect(parseGradArgs(['m.onnx', '--help'])).toEqual({ help: true });
  });

  it('rejects missing pieces with a usage error', () => {
    usage([]);
    usage(['--loss', 'y', '--wrt', 'x', '-o', 'g.onnx']);
    usage(['m.onnx', '--wrt', 'x', '-o', 'g.onnx']);
    usage(['m.onnx', '--loss', 'y', '-o', 'g.onnx']);
    usage(['m.onnx', '--loss', 'y', '--wrt', ',', '-o', 'g.onnx']);
    usage(['m.onnx', '--loss', 'y', '--wrt', 'x']);
    usage(['m.onnx', '--loss', 'y', '--wrt', 'x', '-o']);
  });

  it('rejects unknown options, extra positionals, duplicates and overwriting the input', () => {
    usage(['m.onnx', '--loss', 'y', '--wrt', 'x', '-o', 'g.onnx', '--lr', '1']);
    usage(['m.onnx', 'n.onnx', '--loss', 'y', '--wrt', 'x', '-o', 'g.onnx']);
    usage(['m.onnx', '--loss', 'y', '--wrt', 'x,x', '-o', 'g.onnx']);
    usage(['m.onnx', '--loss', 'y', '--wrt', 'x', '-o', 'm.onnx']);
  });

  it('names the problem in the message', () => {
    expect(() => parseGradArgs(['m.onnx', '--wrt', 'x', '-o', 'g.onnx'])).toThrow(/--loss/);
    expect(() => parseGradArgs(['m.onnx', '--loss', 'y', '--wrt', 'x', '-o', 'g.onnx', '--bogus'])).toThrow(/bogus/);
  });
});

describe('parseDims', () => {
  it('reads name=size pairs, repeated or comma-separated', () => {
    expect(parseDims(['batch=4,seq=77', 'h = 8'])).toEqual({ batch: 4, seq: 77, h: 8 });
    expect(parseDims([])).toEqual({});
  });

  it('rejects malformed pairs and sizes that are not positive whole numbers', () => {
    for (const bad of ['batch', 'batch=', '=4', 'batch=0', 'batch=-1', 'batch=2.5', 'batch=1e3', 'batch=x', 'a=1=2'])
      expect(() => parseDims([bad]), bad).toThrow(UsageError);
  });

  it('rejects one dimension given two sizes, but allows a repeat of the same size', () => {
    expect(() => parseDims(['batch=2', 'batch=3'])).toThrow(/twice/);
    expect(parseDims(['batch=2', 'batch=2'])).toEqual({ batch: 2 });
  });
});
