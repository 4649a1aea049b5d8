CREATE TABLE "event_outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"partition" integer NOT NULL,
	"account_id" text NOT NULL,
	"msg_id" text NOT NULL,
	"event" jsonb NOT NULL,
	"media" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_queue" (
	"account_id" text NOT NULL,
	"command_id" text NOT NULL,
	"seq" bigserial NOT NULL,
	"partition" integer NOT NULL,
	"op" text NOT NULL,
	"message_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"not_before" timestamp with time zone,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbound_queue_account_id_command_id_pk" PRIMARY KEY("account_id","command_id")
);
--> statement-breakpoint
CREATE INDEX "event_outbox_partition_idx" ON "event_outbox" USING btree ("partition","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_queue_seq_idx" ON "outbound_queue" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "outbound_queue_queued_idx" ON "outbound_queue" USING btree ("partition","account_id","seq") WHERE "outbound_queue"."state" = 'queued';