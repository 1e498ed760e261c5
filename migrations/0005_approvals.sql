CREATE TABLE `proposals` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`action_class` text NOT NULL,
	`tool` text NOT NULL,
	`input` text NOT NULL,
	`summary` text NOT NULL,
	`why` text NOT NULL,
	`reason` text,
	`diff` text,
	`conversation_id` text NOT NULL,
	`task_id` text,
	`requested_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text,
	`decided_via` text,
	`result` text,
	`error_code` text,
	`error_message` text
);
--> statement-breakpoint
CREATE INDEX `proposals_status_created` ON `proposals` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `proposals_conversation` ON `proposals` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `proposals_task` ON `proposals` (`task_id`);--> statement-breakpoint
CREATE TABLE `telegram_proposal_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`proposal_id` text NOT NULL,
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `telegram_proposal_messages_message` ON `telegram_proposal_messages` (`chat_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `telegram_proposal_messages_proposal` ON `telegram_proposal_messages` (`proposal_id`);--> statement-breakpoint
ALTER TABLE `schedules` ADD `self_learning_mode` text DEFAULT 'propose' NOT NULL;