DROP TABLE IF EXISTS stream_tickets;
