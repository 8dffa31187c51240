/**
 * Chat messages → prompt tokens: the model's own chat template (through node-llama-cpp's
 * chat-wrapper resolution, which renders the GGUF's Jinja template or a matching built-in
 * format), or, for a model without a template, a plain "role: content" transcript.
 */
import { LlamaText, resolveChatWrapper } from 'node-llama-cpp';
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';
import type { ChatMessage } from './request.js';

export interface RenderedChat {
  tokens: Token[];
  /** Text stop triggers of the template (special-token triggers end generation as EOG). */
  stops: string[];
}

export function chatWrapperFor(model: LlamaModel): ChatWrapper | undefined {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  if (typeof template !== 'string' || template === '') return undefined;
  return resolveChatWrapper(model, { warningLogs: false }) ?? undefined;
}

function history(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case 'system':
        return { type: 'system', text: m.content };
      case 'user':
        return { type: 'user', text: m.content };
      case 'assistant':
        return { type: 'model', response: [m.content] };
    }
  });
  items.push({ type: 'model', response: [] }); // the turn to generate
  return items;
}

export function renderChat(
  model: LlamaModel,
  wrapper: ChatWrapper | undefined,
  messages: readonly ChatMessage[],
): RenderedChat {
  if (wrapper === undefined) {
    const text = `${messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
    return { tokens: model.tokenize(text, false), stops: ['\nuser:'] };
  }
  const state = wrapper.generateContextState({ chatHistory: history(messages) });
  const stops: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    const t = LlamaText(trigger);
    if (t.values.every((v) => typeof v === 'string')) {
      const s = t.values.join('');
      if (s !== '') stops.push(s);
    }
  }
  return { tokens: state.contextText.tokenize(model.tokenizer), stops };
}
