/** The public face of alert receivers: loading receivers.yaml, the receivers, their queues. */
export type { AlertNotification, AlertSeverity, AlertStatus, Delivery, GroupPayload, NotificationPayload } from './notification.js';
export { PAYLOAD_VERSION, deliveryKey, deliveryPayload, singleDelivery, toPayload } from './notification.js';
export type { BackoffPolicy, DeliveryPolicy, ReceiverConfig, WebhookReceiverConfig, LogReceiverConfig, WebsocketReceiverConfig, KafkaReceiverConfig } from './config.js';
export { DEFAULT_DELIVERY, DEFAULT_GROUP, DEFAULT_PARKING, DEFAULT_TIMEOUT_MS, type GroupPolicy } from './config.js';
export { RECEIVER_KINDS, type ReceiverKind } from './schema.js';
export { loadReceivers, parseReceivers, type LoadReceiversOptions, type LoadedReceivers } from './load.js';
export type { AttemptResult, Receiver } from './receiver.js';
export { WebhookReceiver, type WebhookReceiverOptions } from './webhook.js';
export { LogReceiver, type LogReceiverOptions } from './log-receiver.js';
export { ReceiverQueue, type ReceiverQueueOptions, type ReceiverStats, type CloseResult, type SettleOutcome, type ParkingOptions, type ParkingStats, type HeldDelivery } from './queue.js';
export { createReceiver, createReceiverQueue, type CreateReceiverOptions, type ReceiverFactories } from './create.js';
export { DEFAULT_TOLERANCE_SECONDS, IDEMPOTENCY_HEADER, LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signWebhook, verifySignature, verifyWebhook, type VerifyOptions, type WebhookVerification } from './signature.js';
export { isRetriableStatus, parseRetryAfter, retryDelay } from './retry-policy.js';
export { ManualTimers, systemTimers, type Timers } from './timers.js';
