/*
 * `npm run db-shell`: the commands it prints and runs, as pure functions over the stack output
 * `toolbox`. What this cannot prove: that the AWS CLI, the Session Manager plugin and ECS Exec
 * accept them, or that psql inside the task sees the secret environment; a session against a
 * real stack does.
 */
import { expect } from "chai";
import {
  DbShellIo,
  dbShell,
  shellWord,
  toolboxCommands,
  toolboxFromOutputs,
  toolboxScript,
} from "../tools/dbShell";
import { SECRETS } from "./fixtures";
import { named, ofType, promiseOf } from "./mocks";
import { scenario } from "./scenarios";

const CLUSTER = "graasp-production";
const ACCESS = {
  region: "eu-central-2",
  cluster: CLUSTER,
  taskDefinition: "graasp-production-toolbox",
  container: "toolbox",
  subnets: ["subnet-private-a", "subnet-private-b"],
  securityGroups: ["sg-toolbox-sg"],
  assignPublicIp: false,
};
const TASK = "arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/0123abcd";
const WHERE = ["--region", "eu-central-2", "--cluster", CLUSTER];

function io(outputs: unknown, answers: Record<string, { status: number; stdout: string }> = {}) {
  const ran: string[][] = [];
  const printed: string[] = [];
  const errors: string[] = [];
  const sleeps: number[] = [];
  const value: DbShellIo = {
    stackOutputs: () => JSON.stringify(outputs),
    run: (argv) => {
      ran.push([...argv]);
      return answers[argv[2]] ?? { status: 0, stdout: "" };
    },
    sleep: (seconds) => sleeps.push(seconds),
    out: (text) => printed.push(text),
    err: (text) => errors.push(text),
  };
  return { value, ran, printed, errors, sleeps };
}

describe("db-shell", function () {
  this.timeout(20_000);

  it("reads the toolbox the program exports for the stack", async () => {
    const s = await scenario("production", "running");
    const toolbox = await promiseOf(s.outputs.toolbox);
    expect(toolbox).to.deep.equal({
      region: "eu-central-2",
      cluster: "graasp-production",
      taskDefinition: "graasp-production-toolbox",
      container: "toolbox",
      subnets: ["subnet-private-a", "subnet-private-b", "subnet-private-c"],
      securityGroups: ["sg-toolbox-sg"],
      assignPublicIp: false,
    });
    expect(toolboxFromOutputs("production", JSON.stringify({ toolbox, url: "x" }))).to.deep.equal(
      toolbox,
    );
  });

  it("registers the toolbox as a task definition only: ECS Exec, admitted by the database", async () => {
    const { registrations } = await scenario("production", "running");
    const services = ofType(registrations, "aws:ecs/service:Service").map((r) => r.name);
    expect(services.filter((name) => /toolbox|setup/.test(name))).to.deep.equal([]);
    const policy = JSON.parse(
      named(registrations, "aws:iam/rolePolicy:RolePolicy", "toolbox-task-policy").inputs.policy,
    );
    expect(policy.Statement).to.deep.equal([
      {
        Sid: "EcsExec",
        Effect: "Allow",
        Action: [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ],
        Resource: "*",
      },
    ]);
    const ingress = named(
      registrations,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "database-from-toolbox",
    ).inputs;
    expect(ingress).to.deep.include({
      securityGroupId: "sg-database-sg",
      referencedSecurityGroupId: "sg-toolbox-sg",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
    });
    const definition = named(
      registrations,
      "aws:ecs/taskDefinition:TaskDefinition",
      "toolbox-task",
    );
    expect(definition.inputs.family).to.equal("graasp-production-toolbox");
    expect(definition.inputs.taskRoleArn).to.equal(
      "arn:aws:iam::123456789012:role/toolbox-task-role",
    );
  });

  it("builds run-task with the family, network and ECS Exec, then wait, psql and stop", () => {
    const commands = toolboxCommands(ACCESS, TASK);
    expect(commands.start).to.deep.equal([
      ...["aws", "ecs", "run-task", ...WHERE],
      ...["--task-definition", "graasp-production-toolbox", "--launch-type", "FARGATE"],
      ...["--enable-execute-command", "--started-by", "graasp-toolbox"],
      "--network-configuration",
      "awsvpcConfiguration={subnets=[subnet-private-a,subnet-private-b],securityGroups=[sg-toolbox-sg],assignPublicIp=DISABLED}",
      ...["--query", "tasks[0].taskArn", "--output", "text"],
    ]);
    expect(commands.wait).to.deep.equal([
      ...["aws", "ecs", "wait", "tasks-running", ...WHERE, "--tasks", TASK],
    ]);
    expect(commands.shell).to.deep.equal([
      ...["aws", "ecs", "execute-command", ...WHERE, "--task", TASK],
      ...["--container", "toolbox", "--interactive", "--command", "psql"],
    ]);
    expect(commands.stop).to.deep.equal([
      ...["aws", "ecs", "stop-task", ...WHERE, "--task", TASK, "--reason", "db-shell closed"],
    ]);
  });

  it("prints a script with the commands in order and no password", () => {
    const { value, printed } = io({ toolbox: ACCESS });
    expect(dbShell(["--stack", "production"], value)).to.equal(0);
    const script = printed.join("");
    expect(script).to.equal(toolboxScript("production", ACCESS));
    const lines = script.split("\n").filter((l) => !l.startsWith("#") && l !== "");
    expect(lines).to.deep.equal([
      "TASK=$(aws ecs run-task --region eu-central-2 --cluster graasp-production --task-definition graasp-production-toolbox --launch-type FARGATE --enable-execute-command --started-by graasp-toolbox --network-configuration 'awsvpcConfiguration={subnets=[subnet-private-a,subnet-private-b],securityGroups=[sg-toolbox-sg],assignPublicIp=DISABLED}' --query 'tasks[0].taskArn' --output text)",
      'aws ecs wait tasks-running --region eu-central-2 --cluster graasp-production --tasks "$TASK"',
      `until [ "$(aws ecs describe-tasks --region eu-central-2 --cluster graasp-production --tasks "$TASK" --query 'tasks[0].containers[0].managedAgents[?name=='\\''ExecuteCommandAgent'\\''].lastStatus | [0]' --output text)" = RUNNING ]; do sleep 5; done`,
      'aws ecs execute-command --region eu-central-2 --cluster graasp-production --task "$TASK" --container toolbox --interactive --command psql',
      `aws ecs stop-task --region eu-central-2 --cluster graasp-production --task "$TASK" --reason 'db-shell closed'`,
    ]);
    for (const secret of [...Object.values(SECRETS), "generated-password-database-master-password"])
      expect(script).not.to.include(secret);
    expect(script).not.to.match(/PGPASSWORD|password/i);
  });

  it("with --run starts, waits for ECS Exec, opens psql and stops the task", () => {
    const { value, ran, sleeps } = io(
      { toolbox: ACCESS },
      { "run-task": { status: 0, stdout: `${TASK}\n` } },
    );
    let polls = 0;
    const run = value.run;
    const io2: DbShellIo = {
      ...value,
      run: (argv, capture) =>
        argv[2] === "describe-tasks"
          ? (run(argv, capture), { status: 0, stdout: ++polls < 3 ? "PENDING\n" : "RUNNING\n" })
          : run(argv, capture),
    };
    expect(dbShell(["--stack=production", "--run"], io2)).to.equal(0);
    expect(ran.map((argv) => argv[2])).to.deep.equal([
      "run-task",
      "wait",
      "describe-tasks",
      "describe-tasks",
      "describe-tasks",
      "execute-command",
      "stop-task",
    ]);
    expect(sleeps).to.deep.equal([5, 5]);
    expect(ran[6]).to.deep.equal(toolboxCommands(ACCESS, TASK).stop);
  });

  it("stops the task even when psql fails, and says so", () => {
    const { value, ran, errors } = io(
      { toolbox: ACCESS },
      {
        "run-task": { status: 0, stdout: TASK },
        "describe-tasks": { status: 0, stdout: "RUNNING" },
        "execute-command": { status: 255, stdout: "" },
      },
    );
    expect(dbShell(["--stack", "production", "--run"], value)).to.equal(3);
    expect(ran.map((argv) => argv[2]).pop()).to.equal("stop-task");
    expect(errors.join("")).to.include("error: aws ecs execute-command exited with code 255.");
  });

  it("starts nothing to stop when run-task fails", () => {
    const { value, ran, errors } = io(
      { toolbox: ACCESS },
      { "run-task": { status: 254, stdout: "" } },
    );
    expect(dbShell(["--stack", "production", "--run"], value)).to.equal(3);
    expect(ran.map((argv) => argv[2])).to.deep.equal(["run-task"]);
    expect(errors.join("")).to.equal(
      "error: The toolbox task did not start (aws exit code 254).\n",
    );
  });

  it("rejects bad arguments and outputs with exit code 2", () => {
    const cases: [string[], unknown, string][] = [
      [[], {}, "Missing --stack <name>."],
      [["--stack"], {}, "--stack needs a value: --stack <name>."],
      [
        ["--stack", "a b"],
        {},
        '--stack "a b" is not a stack name (letters, digits, ".", "_", "-").',
      ],
      [["--stack", "x", "--shell"], {}, "Unknown option --shell."],
      [["--stack", "x", "--stack", "y"], {}, "--stack is given twice."],
      [["--stack", "x", "psql"], {}, 'Unexpected argument "psql" (options start with --).'],
      [
        ["--stack", "production"],
        { url: "https://graasp.org" },
        'Stack "production" has no output `toolbox`: deploy this version of the program first (pulumi up).',
      ],
      [
        ["--stack", "production"],
        { toolbox: { ...ACCESS, subnets: [] } },
        "The output `toolbox.subnets` is [].",
      ],
      [
        ["--stack", "production"],
        { toolbox: { ...ACCESS, cluster: "a;rm -rf" } },
        'The output `toolbox.cluster` is "a;rm -rf".',
      ],
    ];
    for (const [argv, outputs, message] of cases) {
      const { value, errors, ran } = io(outputs);
      expect(dbShell(argv, value), argv.join(" ")).to.equal(2);
      expect(errors.join("").split("\n")[0]).to.equal(`error: ${message}`);
      expect(ran).to.deep.equal([]);
    }
  });

  it("quotes shell words only where needed", () => {
    expect(shellWord("graasp-production")).to.equal("graasp-production");
    expect(shellWord("db-shell closed")).to.equal("'db-shell closed'");
    expect(shellWord("it's")).to.equal("'it'\\''s'");
  });
});
