package io.llamasae.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a path option the command writes to whose name does not end in {@code out} (those are
 * outputs anyway), e.g. {@code --delphi-cache DIR}: {@link PathChecks} then compares it with the
 * inputs instead of requiring it to exist.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Output {}
