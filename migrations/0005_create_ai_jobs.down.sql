DROP TABLE ai_jobs;
