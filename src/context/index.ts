// Context packer of the chat panel (DESIGN.md §6); see pack.ts for the rules.
export { packContext, previewLines, INSTRUCTIONS_CAP, MIN_PARTIAL, SECRET_REASON } from './pack.js';
export type { PackInput, PackedContext, PackedPart, PartKind, Severity } from './pack.js';
