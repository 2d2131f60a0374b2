/** Guardrails for alarms: production's alarms notify someone, and their topic is encrypted. */
import { asList, productionLabel, resourcePolicy } from "./common";

export const MONITORING_TYPES = {
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  snsTopic: "aws:sns/topic:Topic",
} as const;

export const productionAlarmsNotify = resourcePolicy(
  "production-alarms-notify",
  "Production alarms have an alarm action (the alarm topic); a state may switch actions off, never remove them.",
  {
    [MONITORING_TYPES.metricAlarm]: (props, _args, report) => {
      const where = productionLabel(props);
      if (where === undefined || asList(props.alarmActions).length > 0) return;
      report(
        `Alarm has no \`alarmActions\` ${where}, so it notifies nobody: add the alarm topic's ARN to \`alarmActions\`.`,
      );
    },
  },
);

export const alarmTopicEncrypted = resourcePolicy(
  "sns-topic-encrypted",
  "SNS topics are encrypted at rest with a KMS key (`kmsMasterKeyId`).",
  {
    [MONITORING_TYPES.snsTopic]: (props, _args, report) => {
      if (typeof props.kmsMasterKeyId === "string" && props.kmsMasterKeyId !== "") return;
      report(
        "SNS topic is not encrypted: set `kmsMasterKeyId` to a customer-managed key that admits cloudwatch.amazonaws.com (CloudWatch cannot use alias/aws/sns).",
      );
    },
  },
);
