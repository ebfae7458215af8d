package org.dubbopy.interop;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * The POJO of the interop acceptance list: primitives, a nested POJO, an enum, a Date, a BigDecimal and
 * a List. Its Hessian field order (Java's rule) is what a Python encoder must reproduce byte for byte.
 */
public class Person implements Serializable {
    private static final long serialVersionUID = 1L;

    private String name;
    private int age;
    private long id;
    private double score;
    private boolean active;
    private Address address;
    private Color color;
    private Date birthday;
    private BigDecimal balance;
    private List<String> tags;

    public Person() {}

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public double getScore() { return score; }
    public void setScore(double score) { this.score = score; }
    public boolean isActive() { return active; }
    public void setActive(boolean active) { this.active = active; }
    public Address getAddress() { return address; }
    public void setAddress(Address address) { this.address = address; }
    public Color getColor() { return color; }
    public void setColor(Color color) { this.color = color; }
    public Date getBirthday() { return birthday; }
    public void setBirthday(Date birthday) { this.birthday = birthday; }
    public BigDecimal getBalance() { return balance; }
    public void setBalance(BigDecimal balance) { this.balance = balance; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Person)) {
            return false;
        }
        Person p = (Person) o;
        return age == p.age && id == p.id && Double.compare(score, p.score) == 0 && active == p.active
                && Objects.equals(name, p.name) && Objects.equals(address, p.address) && color == p.color
                && Objects.equals(birthday, p.birthday) && Objects.equals(balance, p.balance)
                && Objects.equals(tags, p.tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, age, id, address, color, birthday, balance, tags);
    }

    @Override
    public String toString() {
        return "Person{name=" + name + ", age=" + age + ", id=" + id + ", score=" + score + ", active=" + active
                + ", address=" + address + ", color=" + color + ", birthday=" + birthday + ", balance=" + balance
                + ", tags=" + tags + "}";
    }
}
