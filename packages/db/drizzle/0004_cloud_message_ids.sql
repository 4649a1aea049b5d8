CREATE TABLE "cloud_message_ids" (
	"account_id" text NOT NULL,
	"wamid" text NOT NULL,
	"chat_id" text NOT NULL,
	"message_id" text NOT NULL,
	"command_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cloud_message_ids_account_id_wamid_pk" PRIMARY KEY("account_id","wamid")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "cloud_message_ids_message_idx" ON "cloud_message_ids" USING btree ("account_id","message_id");