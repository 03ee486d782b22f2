"""Learning paths and steps; AGS line items and scores.

For the engineer building the pages and the grade outbox on top of this package.

**Model** (``models/``, one module per concern). A Program has at most one ``Path`` of
ordered ``Step``s (``position``). A step has a ``kind`` (``StepKind``: module, agreement,
meeting, reflection, survey, milestone), an ``audience`` (``Audience``: mentors, mentees,
both — agreements, meetings and milestones are always both), Markdown ``instructions`` and
``content`` (render with ``markdown.render_markdown``: sanitised, safe to print), a
meeting's ``starters``, a survey's ``questions`` (``SurveyQuestion``: Likert 1–5 or text, with
a ``measure`` for the evaluation), ``due_offset_days`` from ``Program.starts_on``, ``points``
(0 = not graded), a stable ``public_id`` (the line item's ``resourceId`` and the resource
link's ``custom.step_id``) and a ``version`` that goes up when what learners read or sign
changes.

**What learners did.** ``Completion`` is one row per (step, person) — what the gradebook hears
about, made only by ``completing.record_completion`` (hook the outbox row in there: same
transaction). Pair-level facts live beside it: ``AgreementSignature`` (append-only, per
version), ``MeetingLog`` (logged → confirmed/declined by the *other* partner; its
``private_notes`` leave ``meetings`` only through ``meeting_view`` for their author),
``Reflection`` (private unless ``is_shared``), ``SurveyResponse``/``SurveyAnswer``.
``LineItemLink`` is the step's gradebook column per course, unique per (course, step).

**Services** take explicit arguments, flush, never commit, and raise ``DomainError`` /
``ValidationError`` / ``NotFoundError`` (another pair's step is "not found"):

- ``paths``: ``create_path_from_template`` (templates: ``template_library`` and the TOML files
  in ``path_templates/``), ``add_step``, ``describe_step_edit`` (preview: what changes, a new
  version?, the gradebook column's label/``scoreMaximum`` changes) and ``edit_step``,
  ``reorder_steps``/``move_step``, ``remove_step`` (returns the line item URLs to delete or
  keep);
- ``completing.complete_module``, ``agreements.sign_agreement``,
  ``meetings.log_meeting``/``confirm_meeting``/``decline_meeting``,
  ``reflections.write_reflection``, ``surveys.answer_survey``; milestones complete themselves
  (``completing.complete_milestones``) after each completion;
- ``progress.pair_progress`` (for a partner, or the designer) and ``progress.progress_matrix``
  (pairs × steps) return plain dataclasses for templates, in a fixed number of queries, and
  never load meeting notes.

``ags`` is the AGS client (line items, scores, results); ``grades/`` sends completion grades
through it: the outbox, its drain, the columns, reconciliation and the designer's gradebook
page (see ``grades/__init__.py``).

**Pages** (``pages/``, blueprint ``steps``): the step page ``steps.show``
(``/s/<launch_id>/steps/<public_id>``: a learner's pair state and actions, or the designer's
view across pairs) with a POST per action, and the designer's progress page
(``/s/<launch_id>/programs/<id>/progress``). ``learner_path.learner_paths`` is what the
learner home shows; ``risk`` flags pairs without a confirmed meeting within the cadence plus
``Path.at_risk_grace_days``; ``zones`` finds the viewer's time zone (profile, else what the
browser reported: ``ViewerTimeZone``) for the ``local_day``/``local_time`` filters.
"""
