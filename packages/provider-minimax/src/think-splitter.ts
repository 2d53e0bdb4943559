/**
 * Splits `<think>…</think>` blocks out of MiniMax text into reasoning, incrementally: feed it stream
 * deltas in order and it returns what is safe to emit, holding back only a possible partial tag
 * (`<thi` at the end of one chunk, `nk>` at the start of the next).
 */

const openTag = '<think>';
const closeTag = '</think>';

export interface SplitText {
  content: string;
  reasoning: string;
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagSuffix(text: string, tag: string): number {
  const longest = Math.min(text.length, tag.length - 1);
  for (let length = longest; length > 0; length -= 1) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

export class ThinkSplitter {
  private inside = false;
  private pending = '';
  /** Strip the newlines MiniMax puts right after a tag from the next text of that kind. */
  private trimNext = false;

  /** Feeds one piece of text; returns the content and reasoning that can be emitted now. */
  push(text: string): SplitText {
    const out: SplitText = { content: '', reasoning: '' };
    let buffer = this.pending + text;
    this.pending = '';
    while (buffer.length > 0) {
      const tag = this.inside ? closeTag : openTag;
      const index = buffer.indexOf(tag);
      if (index >= 0) {
        this.emit(out, buffer.slice(0, index));
        buffer = buffer.slice(index + tag.length);
        this.inside = !this.inside;
        this.trimNext = true;
        continue;
      }
      const held = partialTagSuffix(buffer, tag);
      this.emit(out, buffer.slice(0, buffer.length - held));
      this.pending = buffer.slice(buffer.length - held);
      break;
    }
    return out;
  }

  /** Ends the input: a held-back partial tag was just text after all. */
  flush(): SplitText {
    const out: SplitText = { content: '', reasoning: '' };
    this.emit(out, this.pending);
    this.pending = '';
    return out;
  }

  /** True while inside an unclosed `<think>` block. */
  get thinking(): boolean {
    return this.inside;
  }

  private emit(out: SplitText, text: string): void {
    if (this.trimNext) {
      text = text.replace(/^[\r\n]+/, '');
      if (text === '') return;
      this.trimNext = false;
    }
    if (this.inside) out.reasoning += text;
    else out.content += text;
  }
}

/** One-shot split of a complete message's content; trailing newlines before the answer are removed. */
export function splitThink(text: string): SplitText {
  const splitter = new ThinkSplitter();
  const first = splitter.push(text);
  const rest = splitter.flush();
  return {
    content: first.content + rest.content,
    reasoning: (first.reasoning + rest.reasoning).replace(/[\r\n]+$/, ''),
  };
}
