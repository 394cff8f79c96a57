/**
 * Posts signed job callbacks to web (docs/CONTRACTS.md "Jobs and callbacks" 4). Every POST try carries a fresh
 * `seq`: web refuses a second use of one signature (409), so a retry must not resend identical signed bytes, and
 * web drops progress whose (attempt, seq) is not newer than what it stored.
 */
import {
  type Callback,
  type CallbackReply,
  callbackReplySchema,
  callbackSchema,
  signCallback,
  type SigningKey,
} from "./contracts/callback.ts";
import type { Logger } from "./log.ts";

/** A callback before the client numbers it. */
export type CallbackInput = Callback extends infer C ? C extends Callback ? Omit<C, "seq"> : never
  : never;

/** What came of one callback: `delivered` false after all tries failed or web refused it (4xx). */
export interface CallbackOutcome {
  delivered: boolean;
  /** Web's answer; true when nothing was delivered (no answer is not a cancellation). */
  continue: boolean;
}

export interface CallbackClientOptions {
  /** CALLBACK_SIGNING_KEYS; the first one signs. */
  keys: readonly SigningKey[];
  log: Logger;
  /** How many POST tries per callback. Default 3. */
  tries?: number;
  /** [ms] before the second try; doubles each time. Default 250. */
  backoffMs?: number;
  /** [ms] per POST. Default 10000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Sends the callbacks of one job attempt; owns that attempt's `seq` counter. */
export interface JobCallbacks {
  send(callback: CallbackInput): Promise<CallbackOutcome>;
  /** The next `seq` this sender will use. */
  readonly nextSeq: number;
}

class RetryableError extends Error {}

/** Signs and posts callbacks with retries on network errors and 5xx, never on 4xx. */
export class CallbackClient {
  readonly #opts: Required<Omit<CallbackClientOptions, "fetch">> & {
    fetch: typeof fetch;
  };

  constructor(options: CallbackClientOptions) {
    if (options.keys.length === 0) {
      throw new Error("CallbackClient needs at least one signing key");
    }
    this.#opts = {
      tries: 3,
      backoffMs: 250,
      timeoutMs: 10_000,
      fetch: globalThis.fetch,
      ...options,
    };
  }

  /** A sender for one attempt, posting to `url` with `x-trace-id: traceId`; `seq` starts at `firstSeq`. */
  forJob(url: string, traceId: string, firstSeq = 0): JobCallbacks {
    let seq = firstSeq;
    const send = async (callback: CallbackInput): Promise<CallbackOutcome> => {
      const log = this.#opts.log.child({
        traceId,
        jobId: callback.jobId,
        event: callback.event,
      });
      for (let attempt = 1; attempt <= this.#opts.tries; attempt++) {
        const body = JSON.stringify(
          callbackSchema.parse({ ...callback, seq: seq++ }),
        );
        try {
          return await this.#post(url, body, traceId, log);
        } catch (err) {
          if (!(err instanceof RetryableError)) throw err;
          log.warn("callback delivery failed", {
            try: attempt,
            error: err.message,
          });
          if (attempt < this.#opts.tries) {
            await sleep(this.#opts.backoffMs * 2 ** (attempt - 1));
          }
        }
      }
      log.error("callback not delivered after all tries", {
        tries: this.#opts.tries,
      });
      return { delivered: false, continue: true };
    };
    return {
      send,
      get nextSeq() {
        return seq;
      },
    };
  }

  async #post(
    url: string,
    body: string,
    traceId: string,
    log: Logger,
  ): Promise<CallbackOutcome> {
    let res: Response;
    try {
      res = await this.#opts.fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-trace-id": traceId,
          ...signCallback(body, this.#opts.keys[0]),
        },
        body,
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
    } catch (err) {
      throw new RetryableError(`network error: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status >= 500) {
      throw new RetryableError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      // A 4xx means web refused this callback (schema, signature, replay): sending it again cannot help.
      log.error("callback refused", {
        status: res.status,
        body: text.slice(0, 500),
      });
      return { delivered: false, continue: true };
    }
    return { delivered: true, continue: parseReply(text, log).continue };
  }
}

function parseReply(text: string, log: Logger): CallbackReply {
  try {
    return callbackReplySchema.parse(JSON.parse(text));
  } catch {
    // Delivered, but the reply is not what web promises; carrying on is safer than dropping a running job.
    log.warn("callback reply is not {continue:boolean}", {
      body: text.slice(0, 200),
    });
    return { continue: true };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
