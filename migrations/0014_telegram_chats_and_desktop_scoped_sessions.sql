CREATE TABLE `telegram_chats` (
	`chat_id` integer PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`reset_by` text NOT NULL,
	`reset_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `desktop_id` text;