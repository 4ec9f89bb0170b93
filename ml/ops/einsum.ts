// Einsum equations: parsed, with "..." spelled out as letters the equation does not use, so that
// shape inference and the gradient rule (which writes new equations) work on plain letters.

export interface Einsum {
  /** Each operand's subscripts, one letter per axis (ellipsis axes expanded). */
  inputs: string[][];
  output: string[];
  /** Size of each letter (the broadcast size for ellipsis letters). */
  dims: Map<string, number>;
  outShape: number[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function parseEinsum(equation: string, shapes: readonly (readonly number[])[], fail: (m: string) => never): Einsum {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, undefined];
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) fail(`equation "${equation}" has ${terms.length} operands, the node ${shapes.length} inputs`);
  const used = new Set(eq.replace(/[^a-zA-Z]/g, ''));
  const spare = [...LETTERS].filter((l) => !used.has(l));

  // The ellipsis covers the same number of trailing-aligned axes in every operand (the most any has).
  let ellRank = 0;
  terms.forEach((t, i) => {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(t)) fail(`operand "${t}" of "${equation}" is not letters with at most one "..."`);
    const named = t.replace('...', '').length;
    if (t.includes('...')) ellRank = Math.max(ellRank, shapes[i].length - named);
    else if (named !== shapes[i].length) fail(`operand "${t}" names ${named} axes, input ${i} has rank ${shapes[i].length}`);
  });
  if (ellRank > spare.length) fail(`too many axes under "..." in "${equation}"`);
  const ell = spare.slice(0, ellRank);

  const dims = new Map<string, number>();
  const inputs = terms.map((t, i) => {
    const named = t.replace('...', '').length;
    const own = shapes[i].length - named;
    if (own < 0) fail(`operand "${t}" names more axes than input ${i} has (rank ${shapes[i].length})`);
    const letters = t.includes('...') ? [...t.split('...')[0], ...ell.slice(ellRank - own), ...t.split('...')[1]] : [...t];
    letters.forEach((l, j) => {
      const d = shapes[i][j];
      const prev = dims.get(l);
      const isEll = ell.includes(l);
      if (prev === undefined || (isEll && prev === 1)) dims.set(l, d);
      else if (prev !== d && !(isEll && d === 1)) fail(`subscript ${isEll ? '...' : l} is ${prev} in one operand and ${d} in another`);
    });
    return letters;
  });

  let output: string[];
  if (rhs === undefined) {
    const count = new Map<string, number>();
    for (const t of inputs) for (const l of t) if (!ell.includes(l)) count.set(l, (count.get(l) ?? 0) + 1);
    output = [...ell, ...[...count].filter(([, n]) => n === 1).map(([l]) => l).sort()];
  } else {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(rhs)) fail(`output "${rhs}" is not letters with at most one "..."`);
    output = rhs.includes('...') ? [...rhs.split('...')[0], ...ell, ...rhs.split('...')[1]] : [...rhs];
    if (!rhs.includes('...') && ellRank && [...dims].some(([l, d]) => ell.includes(l) && d !== 1))
      fail(`"${equation}" drops the "..." axes from its output`);
    for (const l of output) if (!dims.has(l)) fail(`output subscript ${l} appears in no operand`);
    if (new Set(output).size !== output.length) fail(`output "${rhs}" repeats a subscript`);
  }
  return { inputs, output, dims, outShape: output.map((l) => dims.get(l)!) };
}

export const einsumEquation = (inputs: readonly (readonly string[])[], output: readonly string[]) =>
  `${inputs.map((t) => t.join('')).join(',')}->${output.join('')}`;
