// Whether nodes draw as blocks: at the smallest zoom the canvas hides everything inside a node
// (app.css `.canvas.tiny`), so a node there can be a box of the same size with its handles.
import { createContext } from 'react';

export const LiteNodes = createContext(false);
