// The survey whose framework the learner's view follows, cited in the Method panel and About.
export const SURVEY = {
  title: 'Personalized image generation with deep generative models: A decade survey',
  authors: ['Yuxiang Wei', 'Yiheng Zheng', 'Yabo Zhang', 'Ming Liu', 'Zhilong Ji', 'Lei Zhang', 'Wangmeng Zuo'],
  journal: 'Computational Visual Media',
  year: 2025,
} as const;
