-- Fictional persons for the example CV database (examples/postgres/schema.sql). Every name and
-- e-mail address is made up.

INSERT INTO cv_person (person_id, email, first_name, last_name, headline, share_headline, share_work, share_education, share_languages, updated_at) VALUES
  (1,  'kaarina.aho@example.fi',       'Kaarina', 'Aho',        'Software developer',   true,  true,  true,  true,  '2025-02-01 10:00:00+02'),
  (2,  'teemu.rinne@example.fi',       'Teemu',   'Rinne',      'Bus driver',           false, true,  false, true,  '2025-02-02 10:00:00+02'),
  (3,  'ida.blomqvist@example.fi',     'Ida',     'Blomqvist',  'Sjuksköterska',        true,  true,  true,  true,  '2025-02-03 10:00:00+02'),
  (4,  'yusuf.ali@example.org',        'Yusuf',   'Ali',        'IT support specialist', true, true,  true,  false, '2025-02-04 10:00:00+02'),
  (5,  'marta.nowak@example.org',      'Marta',   'Nowak',      'Bookkeeper',           false, true,  true,  true,  '2025-02-05 10:00:00+02'),
  (6,  'ville.kangas@example.fi',      'Ville',   'Kangas',     'Carpenter',            true,  true,  false, false, '2025-02-06 10:00:00+02'),
  (7,  'noora.heino@example.fi',       'Noora',   'Heino',      'UI designer',          true,  true,  true,  true,  '2025-02-07 10:00:00+02'),
  (8,  'arvid.holm@example.fi',        'Arvid',   'Holm',       'Project manager',      true,  false, true,  true,  '2025-02-08 10:00:00+02'),
  (9,  'tuuli.saari@example.fi',       'Tuuli',   'Saari',      'Cook',                 false, false, false, false, '2025-02-09 10:00:00+02'),
  (10, 'minh.nguyen@example.org',      'Minh',    'Nguyen',     'Data analyst',         true,  true,  true,  true,  '2025-02-10 10:00:00+02'),
  (11, 'riikka.lampi@example.fi',      'Riikka',  'Lampi',      'Kindergarten teacher', true,  true,  true,  false, '2025-02-11 10:00:00+02'),
  (12, 'jonas.berg@example.fi',        'Jonas',   'Berg',       'Electrician',          false, true,  true,  true,  '2025-02-12 10:00:00+02');

INSERT INTO cv_job (person_id, employer, title, start_date, end_date, description) VALUES
  (1,  'Ohjelmistotalo Aho Oy', 'Software developer',      '2020-03-01', NULL,         'Backend services in TypeScript.'),
  (1,  'Verkkokauppa Oy',       'Web developer',           '2016-08-01', '2020-02-29', NULL),
  (2,  'Linja-autot Oy',        'bus driver',              '2011-05-01', NULL,         NULL),
  (3,  'Vasa centralsjukhus',   'sjuksköterska',           '2017-09-01', NULL,         'Barnavdelningen.'),
  (4,  'IT-palvelu Oy',         'IT support specialist',   '2021-01-01', NULL,         NULL),
  (4,  'Kauppa Oy',             'cashier',                 '2018-06-01', '2020-12-31', NULL),
  (5,  'Tilitoimisto Nowak',    'bookkeeper',              '2019-10-01', NULL,         NULL),
  (6,  'Puuseppä Kangas',       'carpenter',               '2008-04-01', NULL,         'Renovations.'),
  (7,  'Design Heino',          'UI designer',             '2022-02-01', NULL,         NULL),
  (8,  'Rakennus Oy',           'project manager',         '2013-03-01', NULL,         NULL),
  (9,  'Ravintola Saari',       'cook',                    '2015-01-01', NULL,         NULL),
  (10, 'Analyysi Oy',           'Data analyst',            '2021-09-01', NULL,         'Dashboards and forecasts.'),
  (11, 'Päiväkoti Lampi',       'kindergarten teacher',    '2018-08-01', NULL,         NULL),
  (12, 'Sähkö Berg Oy',         'electrician',             '2010-02-01', NULL,         NULL);

INSERT INTO cv_education (person_id, institution, degree, start_date, end_date) VALUES
  (1,  'University of Oulu',                 'Master of Science, Computer Science', '2010-09-01', '2016-06-30'),
  (3,  'Yrkeshögskolan Novia',               'Sjukskötare YH',                      '2013-08-15', '2017-06-15'),
  (4,  'Metropolia University of Applied Sciences', 'Bachelor of Engineering',      '2014-08-15', '2018-05-31'),
  (5,  'University of Warsaw',               'Master of Economics',                 '2009-10-01', '2014-06-30'),
  (7,  'Aalto University',                   'Master of Arts',                      '2015-09-01', '2021-12-31'),
  (8,  'Åbo Akademi',                        'Diplomingenjör',                      '2004-09-01', '2010-06-30'),
  (10, 'University of Turku',                'Master of Science, Statistics',       '2015-09-01', '2021-05-31'),
  (11, 'University of Jyväskylä',            'Kasvatustieteen kandidaatti',         '2014-08-15', '2018-05-31'),
  (12, 'Tampereen ammattiopisto',            'Sähköasentaja',                       '2006-08-15', '2009-05-31');

INSERT INTO cv_language (person_id, language, level) VALUES
  (1,  'Finnish', 'Native speaker'), (1, 'English', 'Fluent'),
  (2,  'Finnish', 'Native speaker'),
  (3,  'Swedish', 'Native speaker'), (3, 'Finnish', 'B2'),
  (4,  'English', 'Fluent'), (4, 'Finnish', 'B1'),
  (5,  'Polish',  'Native speaker'), (5, 'English', 'C1'), (5, 'Finnish', 'A2'),
  (6,  'Finnish', 'Native speaker'),
  (7,  'Finnish', 'Native speaker'), (7, 'English', 'C2'), (7, 'Swedish', 'B1'),
  (8,  'Swedish', 'Native speaker'), (8, 'Finnish', 'Fluent'), (8, 'German', 'A2'),
  (9,  'Finnish', 'Native speaker'),
  (10, 'Vietnamese', 'Native speaker'), (10, 'English', 'Fluent'), (10, 'Finnish', 'Intermediate'),
  (11, 'Finnish', 'Native speaker'),
  (12, 'Swedish', 'Native speaker'), (12, 'Finnish', 'Native speaker');
