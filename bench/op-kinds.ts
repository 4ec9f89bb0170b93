// One vocabulary of operator kinds for both profiles, so onnxruntime's ONNX operators and
// PyTorch's aten operators land in comparable rows. onnxruntime's forward and backward are told
// apart by node name: the gradient walk emits its nodes under the grad/ scope.
export const OP_KINDS = [
  'conv forward',
  'conv backward',
  'matmul',
  'normalization',
  'softmax',
  'elementwise',
  'reduction',
  'data movement',
  'optimizer',
  'other',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

const ORT: [RegExp, string][] = [
  [/^(Conv|FusedConv|ConvTranspose|NchwcConv)$/, 'conv'],
  [/^(MatMul|FusedMatMul|Gemm|FusedGemm)$/, 'matmul'],
  [/^(InstanceNormalization|LayerNormalization|GroupNormalization|BatchNormalization)$/, 'normalization'],
  [/^Softmax$/, 'softmax'],
  [/^(ReduceSum|ReduceMean|ReduceMax|ReduceSumSquare|ReduceL2)$/, 'reduction'],
  [/^(Transpose|Reshape|Slice|Pad|Concat|Gather|GatherElements|Expand|Split|Identity|Squeeze|Unsqueeze|ScatterND|ScatterElements|Resize|Tile|Flatten|ConstantOfShape|Shape|Cast)$/, 'data movement'],
];

export function kindOfOrt(op: string, node: string): OpKind {
  if (node.startsWith('optim/')) return 'optimizer';
  const base = ORT.find(([re]) => re.test(op))?.[1] ?? 'elementwise';
  const bwd = node.startsWith('grad/');
  if (base === 'conv') return bwd ? 'conv backward' : 'conv forward';
  return base as OpKind;
}

const TORCH: [RegExp, OpKind][] = [
  [/convolution_backward/, 'conv backward'],
  [/(convolution|conv2d|mkldnn_conv)/, 'conv forward'],
  [/^aten::(mm|addmm|bmm|baddbmm|matmul|linear)$/, 'matmul'],
  [/norm/, 'normalization'],
  [/softmax/, 'softmax'],
  [/^aten::(sum|mean|amax|max|norm)$/, 'reduction'],
  [/^aten::(copy_|cat|clone|contiguous|index|index_select|index_put_|index_add_|embedding.*|constant_pad_nd|upsample.*|fill_|zero_|zeros|empty.*|as_strided.*|view|reshape|transpose|permute|t|expand|slice|select|unsqueeze|squeeze|new_zeros|_unsafe_view|_reshape_alias|detach|to|_to_copy|resize_|stack)$/, 'data movement'],
  [/^aten::/, 'elementwise'],
];

/** PyTorch names products the same forward and backward (aten::mm), so 'matmul' is both passes on either side. */
export function kindOfTorch(op: string): OpKind {
  return TORCH.find(([re]) => re.test(op))?.[1] ?? 'other';
}
