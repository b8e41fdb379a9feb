/** The CLI prints foreign text through the library's one sanitizer (src/internal/printable.ts). */
export { printable, printableJson } from '../../src/internal/printable';
