import type { CloudAccountsRepository } from '@wagate/db';
import type { Logger } from '@wagate/observability';
import { describeError } from '@wagate/runtime';
import type { AccountFacts } from './account-facts';

/** Accounts refreshed per round; the rest wait for the next round. */
const ACCOUNTS_PER_ROUND = 20;

/** A running refresh loop. */
export interface FactsRefresh {
  /** Stops the loop after the round in progress. */
  stop(): Promise<void>;
}

/**
 * Refreshes every enabled cloud account's facts (quality rating, messaging limit, throughput,
 * status) once per `intervalMs`. Each round claims the accounts that are due in the database, so
 * bridge replicas share the work instead of repeating it; never-checked accounts go first.
 *
 * @example
 * const refresh = startFactsRefresh({ accounts, facts, intervalMs: 900_000, log });
 * await refresh.stop();
 */
export function startFactsRefresh(deps: {
  accounts: CloudAccountsRepository;
  facts: AccountFacts;
  intervalMs: number;
  log: Logger;
}): FactsRefresh {
  const roundEveryMs = Math.max(50, Math.min(deps.intervalMs / 2, 30_000));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const runRound = async () => {
    try {
      for (;;) {
        const due = await deps.accounts.claimDueForRefresh(
          new Date(Date.now() - deps.intervalMs),
          ACCOUNTS_PER_ROUND,
        );
        for (const accountId of due) {
          if (stopped) return;
          await deps.facts.refresh(accountId);
        }
        if (due.length < ACCOUNTS_PER_ROUND || stopped) return;
      }
    } catch (error) {
      deps.log.warn({ err: describeError(error) }, 'account facts refresh round failed');
    }
  };
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      round = runRound().finally(() => {
        if (!stopped) schedule(roundEveryMs);
      });
    }, delayMs);
  };
  schedule(0);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
