#!/usr/bin/env perl
# bench/capture.pl DB SCRIPT VARS [LEAVE-OUT] < LOG-SLICE — from PostgreSQL's log (log_statement = all) of DB,
# writes the statements its sessions ran, in order, as a pgbench script (SCRIPT: each $n of a
# statement becomes :sK_n) and the values they were run with as pgbench options (VARS: one
# "-D sK_n=value" a line), and prints each statement as pgbench will send it, one line each
# (newlines → spaces; a NULL parameter is inlined as NULL, since pgbench cannot pass one).
# The relay's background statements (claims, marks) are left out, and so are those matching the
# Perl regex LEAVE-OUT. bench/content.sh runs pgbench
# with exactly what the app sent, so a change of the app's SQL needs no change here.
use strict;
use warnings;
my ($db, $script, $vars, $leave_out) = @ARGV;
my (@stmts, %last, $cur);    # $cur: the message the next tab-continued line belongs to
while (my $line = <STDIN>) {
  chomp $line;
  if ($line =~ /^\t(.*)$/) { $$cur .= "\n$1" if $cur; next }
  $cur = undef;
  next unless $line =~ /\[(\d+)\] [^@ ]*\@(\S+) (LOG|DETAIL):  (.*)$/ && $2 eq $db;
  my ($pid, $kind, $msg) = ($1, $3, $4);
  if ($kind eq 'LOG' && $msg =~ /^(?:execute [^:]*|statement): (.*)$/) {
    my $s = { sql => $1, params => {} };
    push @stmts, $s;
    $last{$pid} = $s;
    $cur = \$s->{sql};
  } elsif ($kind eq 'DETAIL' && $msg =~ /^[Pp]arameters: (.*)$/ && $last{$pid}) {
    my ($p, $params) = ($1, $last{$pid}{params});
    while ($p =~ /\$(\d+) = (?:'((?:[^']|'')*)'|(NULL))/g) {
      my ($n, $v) = ($1, $2);
      if (defined $3) { $params->{$n} = undef; next }    # pgbench -D cannot pass NULL: inlined below
      $v =~ s/''/'/g;
      $params->{$n} = $v;
    }
  }
}
open my $out, '>', $script or die "$script: $!\n";
open my $vout, '>', $vars or die "$vars: $!\n";
my $k = 0;
for my $s (@stmts) {
  next if $s->{sql} =~ /UPDATE sys_events s SET claimed_by|UPDATE "sys_events" SET "attempts"/;
  next if defined $leave_out && $leave_out ne '' && $s->{sql} =~ /$leave_out/;
  $k++;
  (my $one = $s->{sql}) =~ s/\s*\n\s*/ /g;
  my $p = $s->{params};
  for my $n ($one =~ /\$(\d+)/g) { die "capture.pl: no value for \$$n in: $one\n" unless exists $p->{$n} }
  # As pgbench will send it: a NULL parameter inlined as NULL, the others numbered in order of
  # appearance (pgbench makes each :variable a new $n). For the app's usual statements ($1, $2, …
  # in order, none NULL) this is the statement as logged.
  my $i = 0;
  (my $sent = $one) =~ s/\$(\d+)/defined $p->{$1} ? '$' . ++$i : 'NULL'/ge;
  print "$sent\n";
  my $sql = $s->{sql};
  $sql =~ s/\$(\d+)/defined $p->{$1} ? ":s${k}_$1" : 'NULL'/ge;
  $sql =~ s/;?\s*$/;/;
  print $out "$sql\n";
  print $vout "-D\ns${k}_$_=$p->{$_}\n" for grep { defined $p->{$_} } sort { $a <=> $b } keys %$p;
}
