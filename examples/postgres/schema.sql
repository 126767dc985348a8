-- The example CV database behind pipelines/postgres.pipeline.yaml: a person table with the
-- person's sharing choices (one boolean column per part of the CV), and one table per kind of
-- CV entry. Load it into an empty database (or schema):
--   psql "$CV_DB_URL" -f examples/postgres/schema.sql -f examples/postgres/seed.sql

CREATE TABLE cv_person (
  person_id       integer PRIMARY KEY,
  email           text NOT NULL UNIQUE,
  first_name      text NOT NULL,
  last_name       text NOT NULL,
  headline        text,
  -- The person's own sharing choices: may this part of the CV go to Job Market Finland?
  share_headline  boolean NOT NULL DEFAULT false,
  share_work      boolean NOT NULL DEFAULT false,
  share_education boolean NOT NULL DEFAULT false,
  share_languages boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cv_job (
  job_id      serial PRIMARY KEY,
  person_id   integer NOT NULL REFERENCES cv_person ON DELETE CASCADE,
  employer    text NOT NULL,
  title       text NOT NULL,
  start_date  date,
  end_date    date,        -- NULL: the job goes on
  description text
);

CREATE TABLE cv_education (
  education_id serial PRIMARY KEY,
  person_id    integer NOT NULL REFERENCES cv_person ON DELETE CASCADE,
  institution  text NOT NULL,
  degree       text,
  start_date   date,
  end_date     date
);

CREATE TABLE cv_language (
  person_id integer NOT NULL REFERENCES cv_person ON DELETE CASCADE,
  language  text NOT NULL,   -- a language name, e.g. Finnish
  level     text,            -- a fluency phrase or a CEFR level, e.g. Native speaker, B2
  PRIMARY KEY (person_id, language)
);

CREATE INDEX cv_job_person ON cv_job (person_id);
CREATE INDEX cv_education_person ON cv_education (person_id);
