/**
 * What an agent streams for one request: text with stop strings applied (the text ends before
 * the stop string, nothing of it is sent), text that might begin a stop string held back until
 * the next token settles it, and the count of chunks sent (the next chunk's `seq`). A P/D split
 * hands this state from the prefill agent (which streams the first token) to the decode agent.
 */
import type { KvStreamState } from '@adagen/protocol';
import { StopMatcher } from './stop.js';

/** Text that may be sent, and the tokens it accounts for. */
export interface TextPiece {
  readonly text: string;
  readonly tokenCount: number;
}

export interface ChunkOut extends TextPiece {
  readonly seq: number;
}

export interface TokenStep {
  readonly piece?: TextPiece;
  /** A stop string was reached: generation ends here. */
  readonly stopped: boolean;
}

export class StreamText {
  /** Chunks sent so far (the next chunk's `seq`). */
  chunks: number;
  /** A stop string ended the text. */
  stopped = false;
  private heldTokens: number;
  private readonly matcher: StopMatcher | undefined;

  constructor(stops: readonly string[] | undefined, from?: KvStreamState) {
    this.chunks = from?.chunks ?? 0;
    this.heldTokens = from?.heldTokens ?? 0;
    this.matcher = stops === undefined || stops.length === 0 ? undefined : new StopMatcher(stops);
    if (from !== undefined && from.heldText !== '') this.matcher?.push(from.heldText);
  }

  /** One generated token. */
  token(text: string): TokenStep {
    if (this.stopped) return { stopped: true };
    this.heldTokens += 1;
    if (this.matcher === undefined) return { piece: this.take(text), stopped: false };
    const step = this.matcher.push(text);
    if (step.stopped) this.stopped = true;
    if (step.emit === '') return { stopped: step.stopped };
    return { piece: this.take(step.emit), stopped: step.stopped };
  }

  /** Generation ended without a stop string: what was held back, if anything. */
  end(): TextPiece | undefined {
    const rest = this.matcher?.flush() ?? '';
    if (rest === '' || this.stopped) return undefined;
    return this.take(rest);
  }

  /** Numbers a piece being sent as the next chunk. */
  number(piece: TextPiece): ChunkOut {
    return { seq: this.chunks++, text: piece.text, tokenCount: piece.tokenCount };
  }

  /** The state to hand to the agent that continues the stream (every piece already sent). */
  handoff(): KvStreamState {
    return {
      chunks: this.chunks,
      heldText: this.matcher?.pending ?? '',
      heldTokens: this.heldTokens,
      finished: this.stopped,
    };
  }

  private take(text: string): TextPiece {
    const piece = { text, tokenCount: Math.max(1, this.heldTokens) };
    this.heldTokens = 0;
    return piece;
  }
}
