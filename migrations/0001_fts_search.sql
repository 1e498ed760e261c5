-- Full-text search over task prompts and event text (FTS5). drizzle-kit does not model
-- virtual tables or triggers, so this migration is written by hand.
CREATE VIRTUAL TABLE `task_search` USING fts5(`task_id` UNINDEXED, `body`, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `tasks_search_insert` AFTER INSERT ON `tasks` BEGIN
  INSERT INTO `task_search` (`task_id`, `body`) VALUES (new.`id`, new.`prompt`);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_delete` AFTER DELETE ON `tasks` BEGIN
  DELETE FROM `task_search` WHERE `task_id` = old.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `task_events_search_insert` AFTER INSERT ON `task_events` WHEN new.`text` IS NOT NULL AND new.`text` <> '' BEGIN
  INSERT INTO `task_search` (`task_id`, `body`) VALUES (new.`task_id`, new.`text`);
END;
