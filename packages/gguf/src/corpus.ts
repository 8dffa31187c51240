/**
 * The text the generated models' byte-level BPE merges are learned from: plain English written
 * for this project (so common words become single tokens and token counts look like text), plus
 * digits and punctuation. Weights are random, so this shapes only tokenization, not output.
 */
export const MERGE_CORPUS = `
A cluster scheduler sits in front of many model servers and decides, for every request, where
it should run. The request arrives with a prompt; the server reads the prompt in one pass, which
we call the prefill, and then writes the answer one token at a time, which we call the decode.
Each step of the server is an iteration: a batch that mixes the prefill of new requests with the
decode of the requests that are already running. The time of an iteration grows with the number
of tokens in the batch and with the length of the context that every token has to attend to.

When the server is busy, new requests wait in a queue. The time to the first token is the time
a request waits plus the time of its prefill. The time between tokens is the time of the
iterations that the request shares with the others. A good scheduler keeps both of these under
the targets that the users were promised, and it does so on as few machines as it can.

There are many ways to choose a server. Round robin sends each request to the next server in
turn. Least load sends it to the server with the fewest requests, or with the most free memory
for the key and value cache. Prefix affinity sends requests that share the start of their prompt
to the same server, so the cache can be reused and the prefill is shorter. Each of these is
right some of the time and wrong some of the time; the question is how the next few iterations
of each server will look if the request is placed there.

This text is here so that the tokenizer of a small test model learns the shapes of common words:
the, of, and, to, in, is, that, for, it, with, as, on, be, at, by, this, are, from, or, an, was,
which, one, all, time, first, token, tokens, request, requests, server, servers, model, batch.
Numbers such as 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 32, 64, 128, 256, 512, 1024, 2048 and
4096 appear too, as do marks like the comma, the period, the colon: and the question mark?

The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How
vexingly quick daft zebras jump! Sphinx of black quartz, judge my vow. These lines hold every
letter, so that the rarer letters are seen at least once in the middle of a word.

Streams of tokens are sent to the client as soon as they are made. If the client goes away, the
request is cancelled and its memory is freed. If the answer reaches a stop string, the text ends
just before it and the reason for the finish is stop; if it reaches the limit on its length, the
reason is length. The server counts the tokens of the prompt and of the answer for the usage.
`;
