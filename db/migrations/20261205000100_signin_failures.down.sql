DROP TABLE IF EXISTS signin_failures;
