CREATE TABLE `agents` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`instructions` text DEFAULT '' NOT NULL,
	`model` text,
	`tools` text NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`target_desktop_id` text,
	`target_labels` text DEFAULT '[]' NOT NULL,
	`max_steps` integer,
	`budget_usd` real,
	`self_healing` integer,
	`continue_from` text DEFAULT 'none' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `memories` (
	`id` text PRIMARY KEY NOT NULL,
	`collection` text NOT NULL,
	`agent` text,
	`content` text NOT NULL,
	`content_hash` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `memories_collection_hash` ON `memories` (`collection`,`content_hash`);--> statement-breakpoint
CREATE INDEX `memories_created` ON `memories` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `memories_agent` ON `memories` (`agent`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `skill_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`skill_name` text NOT NULL,
	`version` integer NOT NULL,
	`description` text NOT NULL,
	`body` text NOT NULL,
	`author` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `skill_versions_skill_version` ON `skill_versions` (`skill_name`,`version`);--> statement-breakpoint
CREATE TABLE `skills` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`body` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `telegram_task_messages` (
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`task_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `telegram_task_messages_message` ON `telegram_task_messages` (`chat_id`,`message_id`);--> statement-breakpoint
ALTER TABLE `schedules` ADD `agent` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `agent` text;--> statement-breakpoint
CREATE INDEX `tasks_agent_created` ON `tasks` (`agent`,`created_at`);