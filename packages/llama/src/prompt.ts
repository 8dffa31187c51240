/** A request's input (text, token ids or chat) as prompt tokens plus the template's stop strings. */
import type { ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';
import { renderChat } from './chat.js';
import type { GenerationRequest } from './request.js';
import type { ModelInfo } from './types.js';

/** A prompt problem the client must fix; the message names the field. */
export class PromptError extends Error {}

export function promptOf(
  request: GenerationRequest,
  model: LlamaModel,
  info: ModelInfo,
  chat: ChatWrapper | undefined,
): { tokens: Token[]; stops: string[] } {
  const input = request.input;
  switch (input.type) {
    case 'text': {
      // Special-token text is parsed as special tokens, as llama-server does for prompts.
      const tokens = model.tokenize(input.text, true);
      const bos = model.tokens.bos;
      if (info.addBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
      return { tokens, stops: [] };
    }
    case 'tokens': {
      const bad = input.tokens.findIndex((t) => t >= info.vocabSize);
      if (bad !== -1)
        throw new PromptError(
          `request input.tokens[${bad}]: ${input.tokens[bad]} is not below the vocabulary size ${info.vocabSize}`,
        );
      return { tokens: input.tokens as Token[], stops: [] }; // every id checked above
    }
    case 'chat':
      return renderChat(model, chat, input.messages);
  }
}
