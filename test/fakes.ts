/** Small test doubles shared by the provider tests. */
import type { SinonSpyCall } from "sinon";
import { Clock } from "../components/providers/awsClients";

/** A clock whose sleeps return at once and only move its time forward. */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

/** Anything with the calls of a mocked SDK client (aws-sdk-client-mock's `AwsStub`). */
interface CallRecorder {
  calls(): SinonSpyCall<[object]>[];
}

/** The command names sent through these mocked clients, in the order they were sent. */
export function commandsInOrder(...clients: CallRecorder[]): string[] {
  return clients
    .flatMap((client) => client.calls())
    .sort((a, b) => (a.calledBefore(b) ? -1 : 1))
    .map((call) => call.args[0].constructor.name);
}
