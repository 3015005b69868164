{#- Status rules of the coaching workflow (DESIGN.md section 6). -#}

{% macro accept_and_dispute_enabled() -%}
    {{- return((var('accept_and_dispute') | string | lower) in ('true', '1', 'yes', 'on')) -}}
{%- endmacro %}

{#- Review status of an evaluation from its last review event and the dispute
    rounds so far: a `responded` that reaches max_dispute_rounds closes it. -#}
{% macro review_status(last_event_type, dispute_rounds) -%}
    (case {{ last_event_type }}
        when 'published' then 'Pending Agent Review'
        when 'accepted' then 'Resolved'
        when 'disputed' then 'Pending Supervisor Review'
        when 'responded' then
            case
                when {{ dispute_rounds }} >= {{ var('max_dispute_rounds') | int }} then 'Closed'
                else 'Pending Agent Review'
            end
        when 'closed' then 'Closed'
    end)
{%- endmacro %}

{#- The review screen's tab: pending without a dispute round, pending with one,
    or finished. -#}
{% macro review_tab(review_status, dispute_rounds) -%}
    (case
        when {{ review_status }} in ('Resolved', 'Closed') then 'Resolved'
        when {{ dispute_rounds }} > 0 then 'Disputes'
        when {{ review_status }} is not null then 'Pending Review'
    end)
{%- endmacro %}

{#- Supervisor-facing assignment status: review progress over the items
    (marked interactions + best responses), overridden, with Accept & Dispute
    on, by a linked evaluation pending supervisor review, else one pending
    agent review. -#}
{% macro assignment_status(items_n, reviewed_n, has_pending_supervisor_review, has_pending_agent_review) -%}
    (case
        {%- if accept_and_dispute_enabled() %}
        when {{ has_pending_supervisor_review }} then 'Pending Supervisor Review'
        when {{ has_pending_agent_review }} then 'Pending Agent Review'
        {%- endif %}
        when {{ reviewed_n }} = 0 then 'Yet to Start'
        when {{ reviewed_n }} < {{ items_n }} then 'In Progress'
        else 'Completed'
    end)
{%- endmacro %}

{#- The same status in the agent's words. -#}
{% macro agent_status(status) -%}
    (case when {{ status }} = 'Yet to Start' then 'Start Now' else {{ status }} end)
{%- endmacro %}

{#- Plan status: until the target date (else the follow-up date) `Shared`
    before any acknowledgment or review, then `Working On It`; after it
    `Improvement` when every attribute reached its goal, else
    `Action Required`. -#}
{% macro plan_status(deadline, is_engaged, goals_reached) -%}
    (case
        when {{ as_of_date() }} <= {{ deadline }} then
            case when {{ is_engaged }} then 'Working On It' else 'Shared' end
        when {{ goals_reached }} then 'Improvement'
        else 'Action Required'
    end)
{%- endmacro %}

{#- Join condition: a review event of the coaching app that reviews an
    assignment item (`kind` 'marked' or 'best_response'), sent by the item's
    agent on its assignment or the group assignment it was fanned out of. -#}
{% macro reviews_item(events, items) -%}
    {{ events }}.agent_id = {{ items }}.agent_id
    and {{ events }}.interaction_id = {{ items }}.interaction_id
    and {{ events }}.assignment_id in ({{ items }}.assignment_id, {{ items }}.parent_assignment_id)
    and {{ events }}.event_type = case {{ items }}.kind
        when 'marked' then 'interaction_reviewed'
        else 'best_response_reviewed'
    end
{%- endmacro %}
