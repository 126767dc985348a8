-- One row per person, with the person's jobs, studies and languages aggregated into JSON lists by
-- PostgreSQL (json columns arrive parsed). :since is a named parameter: its value comes from
-- `params` in pipelines/postgres.pipeline.yaml and is sent as a bind parameter.
SELECT
  p.person_id,
  p.email,
  p.headline,
  p.share_headline,
  p.share_work,
  p.share_education,
  p.share_languages,
  (SELECT json_agg(json_build_object('employer', j.employer, 'title', j.title, 'start', j.start_date,
                                     'end', j.end_date, 'description', j.description)
                   ORDER BY j.start_date DESC)
     FROM cv_job j WHERE j.person_id = p.person_id) AS jobs,
  (SELECT json_agg(json_build_object('institution', e.institution, 'degree', e.degree,
                                     'start', e.start_date, 'end', e.end_date)
                   ORDER BY e.start_date DESC)
     FROM cv_education e WHERE e.person_id = p.person_id) AS education,
  (SELECT json_agg(json_build_object('language', l.language, 'level', l.level) ORDER BY l.language)
     FROM cv_language l WHERE l.person_id = p.person_id) AS languages
FROM cv_person p
WHERE p.updated_at >= :since
ORDER BY p.person_id
