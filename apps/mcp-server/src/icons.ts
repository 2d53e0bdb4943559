import type { Icon } from '@modelcontextprotocol/sdk/types.js';

/** One 24×24 stroke glyph per kind of tool (SVG, `currentColor`: fits light and dark themes). */
const GLYPHS = {
  ask: '<path d="M4 5h16v10H9l-5 4z"/>',
  consensus: '<circle cx="6" cy="8" r="3"/><circle cx="18" cy="8" r="3"/><circle cx="12" cy="17" r="3"/>',
  search: '<circle cx="10" cy="10" r="6"/><path d="M15 15l6 6"/>',
  file: '<path d="M6 3h8l4 4v14H6z M14 3v4h4"/>',
  threads: '<path d="M4 6h16M4 12h16M4 18h10"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7v1"/>',
} as const;

const KIND: Record<string, keyof typeof GLYPHS> = {
  consensus: 'consensus',
  web_search: 'search',
  file_query: 'file',
  files: 'file',
  threads: 'threads',
  listmodels: 'info',
  status: 'info',
  version: 'info',
};

const cache = new Map<string, Icon[]>();

/** The icons of a tool (model tools without their own glyph get the speech bubble). */
export function iconsOf(tool: string): Icon[] {
  const kind = KIND[tool] ?? 'ask';
  let icons = cache.get(kind);
  if (!icons) {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" ' +
      `stroke-width="2">${GLYPHS[kind]}</svg>`;
    icons = [
      {
        src: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
        mimeType: 'image/svg+xml',
        sizes: ['any'],
      },
    ];
    cache.set(kind, icons);
  }
  return icons;
}
