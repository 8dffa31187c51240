import type { LlamaModel } from 'node-llama-cpp';
import type { ModelInfo } from './types.js';

export function loadedModelInfo(model: LlamaModel, path: string): ModelInfo {
  const eogTokens: number[] = [];
  let vocabSize = 0;
  for (const t of model.iterateAllTokens()) {
    vocabSize++;
    if (model.isEogToken(t)) eogTokens.push(t);
  }
  const meta = model.fileInfo.metadata;
  return Object.freeze({
    path,
    name: meta.general.name,
    architecture: meta.general.architecture,
    sizeBytes: model.size,
    vocabSize,
    trainContextSize: model.trainContextSize,
    addBosToken: meta.tokenizer.ggml.add_bos_token === true,
    eogTokens: Object.freeze(eogTokens),
  });
}
