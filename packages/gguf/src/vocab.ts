/** The generated models' tokenizer: byte tokens, merges learned from MERGE_CORPUS, specials. */
import { byteSymbols, learnMerges } from './byte-bpe.js';
import { MERGE_CORPUS } from './corpus.js';
import { SPECIAL_TOKEN_COUNT, SPECIAL_TOKENS } from './spec.js';

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;

export interface ByteBpeVocab {
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
  endOfTextId: number;
  imStartId: number;
  imEndId: number;
}

/** ChatML, rendered by the engine's chat-template support (Jinja). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A vocabulary of exactly `vocabSize` tokens (≥ 259). */
export function byteBpeVocab(vocabSize: number): ByteBpeVocab {
  const learned = learnMerges(MERGE_CORPUS, vocabSize - 256 - SPECIAL_TOKEN_COUNT);
  const missing = vocabSize - 256 - SPECIAL_TOKEN_COUNT - learned.tokens.length;
  if (missing > 0)
    throw new RangeError(
      `vocabSize ${vocabSize} is more than the merge corpus supports (${vocabSize - missing})`,
    );
  const tokens = [...byteSymbols(), ...learned.tokens];
  const tokenTypes: number[] = tokens.map(() => TokenType.normal);
  const endOfTextId = tokens.length;
  tokens.push(SPECIAL_TOKENS.endOfText, SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd);
  tokenTypes.push(TokenType.control, TokenType.control, TokenType.control);
  return {
    tokens,
    tokenTypes,
    merges: learned.merges,
    endOfTextId,
    imStartId: endOfTextId + 1,
    imEndId: endOfTextId + 2,
  };
}
