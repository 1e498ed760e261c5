CREATE TABLE `telegram_help_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `telegram_help_messages_message` ON `telegram_help_messages` (`chat_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `telegram_help_messages_request` ON `telegram_help_messages` (`request_id`);--> statement-breakpoint
CREATE TABLE `telegram_refusals` (
	`chat_id` integer PRIMARY KEY NOT NULL,
	`refused_at` integer NOT NULL
);
