package io.gantry.scheduler.core;

import java.util.ArrayList;
import java.util.List;

/**
 * What handling one command produced: the state (already changed by the events), and the
 * effects in the order the shell must carry them out — {@link SchedulerEffect.Persist} first.
 */
public record Outcome(SchedulerState state, List<SchedulerEffect> effects) {

    public Outcome {
        effects = List.copyOf(effects);
    }

    /** The events of the {@link SchedulerEffect.Persist} effect, or none. */
    public List<SchedulerEvent> events() {
        for (SchedulerEffect e : effects) {
            if (e instanceof SchedulerEffect.Persist p) {
                return p.events();
            }
        }
        return List.of();
    }

    public List<SchedulerEffect.SendToNode> sends() {
        List<SchedulerEffect.SendToNode> out = new ArrayList<>();
        for (SchedulerEffect e : effects) {
            if (e instanceof SchedulerEffect.SendToNode s) {
                out.add(s);
            }
        }
        return out;
    }

    /** The reply to the command, if it has one. */
    public SchedulerReply reply() {
        for (SchedulerEffect e : effects) {
            if (e instanceof SchedulerEffect.Reply r) {
                return r.reply();
            }
        }
        return null;
    }
}
