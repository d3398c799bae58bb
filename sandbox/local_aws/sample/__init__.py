"""A small CDK stack with every resource kind the real stack uses, for testing the local AWS.

It exists so the local AWS (and its moto adaptations) can be tested independently of the
product stack: DynamoDB with GSIs and TTL, SQS with a DLQ, Lambda functions with a layer and
asset code, a Secrets Manager secret, SNS, EventBridge rules and Scheduler schedules, S3,
API Gateway REST, a Step Functions state machine with `waitForTaskToken`,
`TimeoutSecondsPath`, Choice, Catch and Retry, CloudWatch alarms and log groups.
"""
