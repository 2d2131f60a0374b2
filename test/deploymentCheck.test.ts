/*
 * What these tests cannot prove: that ECS reports a circuit-breaker rollback exactly this way in
 * every case (the deployments' order, how long the failed deployment stays listed), or how long
 * a real deployment takes. They drive the provider logic against aws-sdk-client-mock with a fake
 * clock; a `pulumi up` of a broken image against a real account proves the rest.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
} from "@aws-sdk/client-ecs";
import {
  checkDeploymentCheckInputs,
  DeploymentCheckInputs,
  DeploymentChecker,
  deploymentCheckProvider,
  diffDeploymentCheck,
  judgeDeployments,
} from "../components/providers/deploymentCheck";
import { FakeClock, commandsInOrder, rejectionOf } from "./fakes";

const REGION = "eu-central-2";
const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const OLD_TD = "arn:aws:ecs:eu-central-2:123456789012:task-definition/core:6";
const NEW_TD = "arn:aws:ecs:eu-central-2:123456789012:task-definition/core:7";
const TASK = (id: string) => `arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/${id}`;
const INPUTS: DeploymentCheckInputs = {
  region: REGION,
  clusterArn: CLUSTER,
  serviceName: "core",
  taskDefinitionArn: NEW_TD,
  desiredCount: 2,
};
const WHAT = `ECS service "core" of cluster ${CLUSTER}`;
const ecs = mockClient(ECSClient);

function deployment(extra: Partial<Deployment>): Deployment {
  return { id: "ecs-svc/1", status: "PRIMARY", desiredCount: 2, runningCount: 2, ...extra };
}

function service(deployments: Deployment[], extra: Partial<Service> = {}) {
  return { services: [{ serviceName: "core", status: "ACTIVE", deployments, ...extra }] };
}

const ROLLED_BACK = service([
  deployment({
    id: "ecs-svc/3",
    taskDefinition: OLD_TD,
    rolloutState: "COMPLETED",
    rolloutStateReason: "ECS deployment ecs-svc/3 completed.",
  }),
  deployment({
    id: "ecs-svc/2",
    status: "ACTIVE",
    taskDefinition: NEW_TD,
    runningCount: 0,
    rolloutState: "FAILED",
    rolloutStateReason:
      "ECS deployment circuit breaker: tasks failed to start. Rolling back to deployment ecs-svc/1.",
  }),
]);

function checker(clock = new FakeClock()) {
  return new DeploymentChecker(new ECSClient({ region: REGION }), clock);
}

describe("DeploymentCheck provider", () => {
  beforeEach(() => ecs.reset());
  after(() => ecs.restore());

  describe("judgeDeployments", () => {
    it("is completed when the primary deployment runs the new task definition and completed", () => {
      const answer = service([deployment({ taskDefinition: NEW_TD, rolloutState: "COMPLETED" })]);
      expect(judgeDeployments(answer.services[0], NEW_TD)).to.deep.equal({
        kind: "completed",
        deploymentId: "ecs-svc/1",
      });
    });

    it("is in progress while the rollout runs, or without any PRIMARY deployment", () => {
      const rolling = service([
        deployment({ taskDefinition: NEW_TD, rolloutState: "IN_PROGRESS", runningCount: 1 }),
      ]);
      expect(judgeDeployments(rolling.services[0], NEW_TD)).to.deep.equal({
        kind: "in-progress",
        seen: "rollout IN_PROGRESS, 1 of 2 tasks running",
      });
      expect(judgeDeployments(service([]).services[0], NEW_TD)).to.deep.equal({
        kind: "in-progress",
        seen: "no PRIMARY deployment yet",
      });
    });

    it("without a rollout state, is completed only as a single deployment with all tasks running", () => {
      const single = service([deployment({ taskDefinition: NEW_TD })]);
      expect(judgeDeployments(single.services[0], NEW_TD).kind).to.equal("completed");
      const two = service([
        deployment({ taskDefinition: NEW_TD }),
        deployment({ status: "ACTIVE", taskDefinition: OLD_TD }),
      ]);
      expect(judgeDeployments(two.services[0], NEW_TD)).to.deep.equal({
        kind: "in-progress",
        seen: "rollout state unknown, 2 of 2 tasks running",
      });
    });

    it("is a rollback when the primary deployment runs another task definition", () => {
      expect(judgeDeployments(ROLLED_BACK.services[0], NEW_TD)).to.deep.equal({
        kind: "rolled-back",
        running: OLD_TD,
        reason:
          "ECS deployment circuit breaker: tasks failed to start. Rolling back to deployment ecs-svc/1.",
      });
    });

    it("takes the rollback reason from the service's events once the failed deployment is gone", () => {
      const answer = service([deployment({ taskDefinition: OLD_TD, rolloutState: "COMPLETED" })], {
        events: [
          { message: "(service core) has reached a steady state." },
          { message: "(service core) rolling back to deployment ecs-svc/1." },
        ],
      });
      expect(judgeDeployments(answer.services[0], NEW_TD)).to.deep.equal({
        kind: "rolled-back",
        running: OLD_TD,
        reason: "(service core) rolling back to deployment ecs-svc/1.",
      });
      const silent = service([deployment({ taskDefinition: OLD_TD })]);
      expect(judgeDeployments(silent.services[0], NEW_TD)).to.deep.include({
        reason: "not reported by ECS",
      });
    });

    it("is failed when the new deployment failed without a rollback", () => {
      const answer = service([
        deployment({
          taskDefinition: NEW_TD,
          rolloutState: "FAILED",
          rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        }),
      ]);
      expect(judgeDeployments(answer.services[0], NEW_TD)).to.deep.equal({
        kind: "failed",
        reason: "ECS deployment circuit breaker: tasks failed to start.",
      });
    });
  });

  describe("DeploymentChecker.check", () => {
    it("returns the completed deployment after one DescribeServices call", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolves(service([deployment({ taskDefinition: NEW_TD, rolloutState: "COMPLETED" })]));
      expect(await checker().check(INPUTS)).to.deep.equal({
        ...INPUTS,
        deploymentId: "ecs-svc/1",
      });
      expect(ecs.commandCalls(DescribeServicesCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        services: ["core"],
      });
      expect(commandsInOrder(ecs)).to.deep.equal(["DescribeServicesCommand"]);
    });

    it("polls with backoff while the rollout is in progress", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce(
          service([deployment({ taskDefinition: NEW_TD, rolloutState: "IN_PROGRESS" })]),
        )
        .resolvesOnce(
          service([deployment({ taskDefinition: NEW_TD, rolloutState: "IN_PROGRESS" })]),
        )
        .resolves(service([deployment({ taskDefinition: NEW_TD, rolloutState: "COMPLETED" })]));
      const clock = new FakeClock();
      await checker(clock).check(INPUTS);
      expect(clock.sleeps).to.deep.equal([5_000, 10_000]);
    });

    it("fails on a rollback with the service, the reason and the last stopped task of the new version", async () => {
      ecs.on(DescribeServicesCommand).resolves(ROLLED_BACK);
      ecs.on(ListTasksCommand).resolves({ taskArns: [TASK("a"), TASK("b"), TASK("c")] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          {
            taskArn: TASK("a"),
            taskDefinitionArn: NEW_TD,
            stoppedAt: new Date("2026-11-28T10:01:00Z"),
            stoppedReason: "Essential container in task exited",
            stopCode: "EssentialContainerExited",
            containers: [{ name: "core", exitCode: 1 }],
          },
          {
            taskArn: TASK("b"),
            taskDefinitionArn: NEW_TD,
            stoppedAt: new Date("2026-11-28T10:03:00Z"),
            stoppedReason: "Task failed ELB health checks in (target-group core-tg)",
            stopCode: "ServiceSchedulerInitiated",
            containers: [{ name: "core", exitCode: 137, reason: "OutOfMemoryError" }],
          },
          {
            taskArn: TASK("c"),
            taskDefinitionArn: OLD_TD,
            stoppedAt: new Date("2026-11-28T10:05:00Z"),
            stoppedReason: "Scaling activity initiated by deployment ecs-svc/3",
          },
        ],
      });
      const error = await rejectionOf(checker().check(INPUTS));
      expect(error.message).to.equal(
        [
          `ECS rolled back the deployment of ${WHAT}: its primary deployment runs task definition ${OLD_TD}, not ${NEW_TD}, which this update registered.`,
          "Rollback reason: ECS deployment circuit breaker: tasks failed to start. Rolling back to deployment ecs-svc/1.",
          `Last stopped task: ${TASK("b")} (task definition ${NEW_TD}) stopped: Task failed ELB health checks in (target-group core-tg) (stop code ServiceSchedulerInitiated); container "core" exited with code 137 (OutOfMemoryError).`,
          "The new version does not run: fix the cause (image, secrets, health check; see the service's events and the task's log), then run `pulumi up` again.",
        ].join("\n"),
      );
      expect(ecs.commandCalls(ListTasksCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        serviceName: "core",
        desiredStatus: "STOPPED",
        maxResults: 100,
      });
      expect(ecs.commandCalls(DescribeTasksCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        tasks: [TASK("a"), TASK("b"), TASK("c")],
      });
    });

    it("fails on a failed rollout, saying when no stopped task is left", async () => {
      ecs.on(DescribeServicesCommand).resolves(
        service([
          deployment({
            taskDefinition: NEW_TD,
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start",
          }),
        ]),
      );
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const error = await rejectionOf(checker().check(INPUTS));
      expect(error.message).to.equal(
        [
          `The deployment of task definition ${NEW_TD} to ${WHAT} failed: ECS deployment circuit breaker: tasks failed to start.`,
          "Last stopped task: none (ECS keeps stopped tasks only for about an hour).",
          "Fix the cause (image, secrets, health check; see the service's events and the task's log), then run `pulumi up` again.",
        ].join("\n"),
      );
      expect(ecs.commandCalls(DescribeTasksCommand)).to.deep.equal([]);
    });

    it("still reports the rollback when the stopped tasks cannot be read", async () => {
      ecs.on(DescribeServicesCommand).resolves(ROLLED_BACK);
      const denied = new Error("not authorized to perform: ecs:ListTasks");
      denied.name = "AccessDeniedException";
      ecs.on(ListTasksCommand).rejects(denied);
      const error = await rejectionOf(checker().check(INPUTS));
      expect(error.message.split("\n")[2]).to.equal(
        "Last stopped task: could not be read (AccessDeniedException: not authorized to perform: ecs:ListTasks).",
      );
    });

    it("times out naming what it saw", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolves(
          service([
            deployment({ taskDefinition: NEW_TD, rolloutState: "IN_PROGRESS", runningCount: 0 }),
          ]),
        );
      const clock = new FakeClock();
      const error = await rejectionOf(checker(clock).check({ ...INPUTS, timeoutMinutes: 1 }));
      expect(error.message).to.equal(
        `Timed out after 1 minutes waiting for the deployment of task definition ${NEW_TD} to ${WHAT} to complete (rollout IN_PROGRESS, 0 of 2 tasks running). Watch it in the ECS console, then run \`pulumi up\` again, or raise \`timeoutMinutes\` if it is only slow.`,
      );
      expect(clock.time).to.equal(60_000);
    });

    it("fails when the service is missing or cannot be read", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce({ services: [], failures: [{ reason: "MISSING" }] })
        .rejects(new Error("ThrottlingException"));
      expect((await rejectionOf(checker().check(INPUTS))).message).to.equal(
        `${WHAT} was not found (MISSING). Check \`clusterArn\` and \`serviceName\`, then run \`pulumi up\` again.`,
      );
      expect((await rejectionOf(checker().check(INPUTS))).message).to.equal(
        `Could not read the deployments of ${WHAT}: Error: ThrottlingException. Check that the credentials in use may call ecs:DescribeServices, then run \`pulumi up\` again.`,
      );
    });
  });

  describe("diff, check and the provider", () => {
    const OUTPUTS = { ...INPUTS, deploymentId: "ecs-svc/1" };

    it("checks again when the task definition or the count changes, and only then", () => {
      expect(diffDeploymentCheck(OUTPUTS, INPUTS)).to.deep.equal({ changes: false });
      expect(diffDeploymentCheck(OUTPUTS, { ...INPUTS, taskDefinitionArn: OLD_TD })).to.deep.equal({
        changes: true,
      });
      expect(diffDeploymentCheck(OUTPUTS, { ...INPUTS, desiredCount: 0 })).to.deep.equal({
        changes: true,
      });
    });

    it("refuses an empty service name and a bad timeout", () => {
      expect(
        checkDeploymentCheckInputs({ ...INPUTS, serviceName: "", timeoutMinutes: 0 }),
      ).to.deep.equal([
        {
          property: "timeoutMinutes",
          reason: "`timeoutMinutes` must be a positive number of minutes, not 0.",
        },
        { property: "serviceName", reason: "`serviceName` must not be empty." },
      ]);
    });

    it("creates with the cluster and service as id, updates by checking again, deletes without a call", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolves(service([deployment({ taskDefinition: NEW_TD, rolloutState: "COMPLETED" })]));
      expect(await deploymentCheckProvider.create(INPUTS)).to.deep.equal({
        id: `${CLUSTER}/core`,
        outs: OUTPUTS,
      });
      expect(
        await deploymentCheckProvider.update!(`${CLUSTER}/core`, OUTPUTS, INPUTS),
      ).to.deep.equal({ outs: OUTPUTS });
      ecs.reset();
      await deploymentCheckProvider.delete!(`${CLUSTER}/core`, OUTPUTS);
      expect(ecs.calls()).to.deep.equal([]);
    });
  });
});
